package dev.fleetsim.jobs.config;

import dev.fleetsim.jobs.JobExecutionStatus;
import java.util.Map;

/**
 * Abort evaluation of spec §5.4: a criterion is not evaluated before {@code minNumberOfExecutedThings} executions
 * completed (reached a terminal status); it trips when
 * {@code matching / completed × 100 ≥ thresholdPercentage}. {@code ALL} counts FAILED, REJECTED and TIMED_OUT.
 */
public final class AbortMath {
    private AbortMath() {}

    /** The first criterion that trips, or null. {@code counts} are terminal executions per status. */
    public static JobConfig.AbortCriteria tripped(JobConfig.Abort config, Map<JobExecutionStatus, Integer> counts) {
        if (config == null) {
            return null;
        }
        long completed = completed(counts);
        for (JobConfig.AbortCriteria c : config.criteriaList()) {
            if (completed < c.minNumberOfExecutedThings() || completed == 0) {
                continue;
            }
            if (matching(c.failureType(), counts) * 100.0 / completed >= c.thresholdPercentage() - 1e-9) {
                return c;
            }
        }
        return null;
    }

    /** The executions a criterion is measured against: every terminal one. */
    public static long completed(Map<JobExecutionStatus, Integer> counts) {
        long completed = 0;
        for (Map.Entry<JobExecutionStatus, Integer> e : counts.entrySet()) {
            if (e.getKey().isTerminal()) {
                completed += e.getValue();
            }
        }
        return completed;
    }

    /** The executions of a criterion's {@code failureType} ({@code ALL}: FAILED, REJECTED and TIMED_OUT). */
    public static long matching(String failureType, Map<JobExecutionStatus, Integer> counts) {
        return switch (failureType) {
            case "FAILED" -> get(counts, JobExecutionStatus.FAILED);
            case "REJECTED" -> get(counts, JobExecutionStatus.REJECTED);
            case "TIMED_OUT" -> get(counts, JobExecutionStatus.TIMED_OUT);
            default ->
                get(counts, JobExecutionStatus.FAILED)
                        + get(counts, JobExecutionStatus.REJECTED)
                        + get(counts, JobExecutionStatus.TIMED_OUT);
        };
    }

    private static long get(Map<JobExecutionStatus, Integer> counts, JobExecutionStatus s) {
        return counts.getOrDefault(s, 0);
    }
}

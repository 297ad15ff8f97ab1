package dev.fleetsim.jobs.config;

import dev.fleetsim.jobs.JobExecutionStatus;

/**
 * Retries of spec §3.6: only FAILED and TIMED_OUT are retried, never REJECTED; each criterion's budget is per thing;
 * an {@code ALL} criterion is one budget shared by both types (UNVERIFIED in the spec; fleetsim's choice). A type with
 * its own criterion uses that one first.
 */
public final class RetryMath {
    private RetryMath() {}

    /**
     * Whether an execution that ended in {@code status} gets another attempt, given the retries this thing already
     * used for FAILED and for TIMED_OUT.
     */
    public static boolean shouldRetry(
            JobConfig.Retry config, JobExecutionStatus status, int failedRetriesUsed, int timedOutRetriesUsed) {
        if (config == null || !status.isRetryable()) {
            return false;
        }
        Integer own = null;
        Integer all = null;
        for (JobConfig.RetryCriteria c : config.criteriaList()) {
            if (c.failureType().equals(status.name())) {
                own = c.numberOfRetries();
            } else if (c.failureType().equals("ALL")) {
                all = c.numberOfRetries();
            }
        }
        int usedOfType = status == JobExecutionStatus.FAILED ? failedRetriesUsed : timedOutRetriesUsed;
        if (own != null) {
            return usedOfType < own;
        }
        return all != null && failedRetriesUsed + timedOutRetriesUsed < all;
    }
}

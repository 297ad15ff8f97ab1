package dev.fleetsim.local.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The executions of one thing, with its pending queue in AWS's order (spec §2.4, §13.1): IN_PROGRESS before QUEUED,
 * then queue order. The head is what {@code DescribeJobExecution($next)} returns. Engine thread only.
 */
final class ThingJobs {
    private static final Comparator<Execution> PENDING_ORDER = Comparator.<Execution>comparingInt(
                    e -> e.status == dev.fleetsim.jobs.JobExecutionStatus.IN_PROGRESS ? 0 : 1)
            .thenComparingLong(e -> e.sequence);

    final String thingName;
    /** jobId → executions in executionNumber order; the last is the current one. */
    private final Map<String, List<Execution>> byJob = new HashMap<>();

    private final List<Execution> pending = new ArrayList<>();

    ThingJobs(String thingName) {
        this.thingName = thingName;
    }

    void add(Execution execution) {
        byJob.computeIfAbsent(execution.jobId(), k -> new ArrayList<>(1)).add(execution);
        pending.add(execution);
        pending.sort(PENDING_ORDER);
    }

    /** Re-sorts after a status change; drops executions that are no longer pending. */
    void reorder() {
        pending.removeIf(e -> e.status.isTerminal());
        pending.sort(PENDING_ORDER);
    }

    Execution head() {
        return pending.isEmpty() ? null : pending.get(0);
    }

    List<Execution> pending() {
        return pending;
    }

    /** The latest execution of a job on this thing, or the one with the given number; null when none. */
    Execution find(String jobId, Long executionNumber) {
        List<Execution> executions = byJob.get(jobId);
        if (executions == null || executions.isEmpty()) {
            return null;
        }
        if (executionNumber == null) {
            return executions.get(executions.size() - 1);
        }
        for (Execution e : executions) {
            if (e.executionNumber == executionNumber) {
                return e;
            }
        }
        return null;
    }
}

package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.JobExecutionStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pending executions of one thing in AWS's order (spec §2.4, §13.1): IN_PROGRESS before QUEUED, then queue order.
 * The head is what {@code DescribeJobExecution($next)} returns. Engine thread only.
 */
final class ThingJobs {
    private static final Comparator<Execution> PENDING_ORDER = Comparator.<Execution>comparingInt(
                    e -> e.status == JobExecutionStatus.IN_PROGRESS ? 0 : 1)
            .thenComparingLong(e -> e.sequence);

    final String thingName;
    private final List<Execution> pending = new ArrayList<>();

    ThingJobs(String thingName) {
        this.thingName = thingName;
    }

    void add(Execution execution) {
        pending.add(execution);
        pending.sort(PENDING_ORDER);
    }

    /** Re-sorts after a status change; drops executions that are no longer pending. */
    void reorder() {
        pending.removeIf(e -> e.status.isTerminal());
        pending.sort(PENDING_ORDER);
    }

    void remove(Execution execution) {
        pending.remove(execution);
    }

    Execution head() {
        return pending.isEmpty() ? null : pending.get(0);
    }

    List<Execution> pending() {
        return pending;
    }
}

package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.JobExecutionStatus;
import java.time.Instant;
import java.util.Map;

/**
 * An immutable snapshot of a job, safe to hand to other threads.
 *
 * @param executionCounts executions per status of the latest execution of each targeted thing
 *     ({@code jobProcessDetails} counters)
 */
public record JobView(
        String jobId,
        JobStatus status,
        Instant createdAt,
        Instant completedAt,
        int targetCount,
        Map<JobExecutionStatus, Integer> executionCounts) {

    public int count(JobExecutionStatus status) {
        return executionCounts.getOrDefault(status, 0);
    }
}

package dev.fleetsim.scenario;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.jobs.JobStatus;
import dev.fleetsim.local.jobs.JobView;
import java.time.Duration;
import java.util.List;

/**
 * What a run observed.
 *
 * @param scenario the scenario that ran
 * @param mqttEndpoint where the devices connected
 * @param devicesReady devices connected, subscribed and asking for work before the jobs were created
 * @param readyTime from the first connect to the last device ready
 * @param jobs per job, in scenario order
 * @param timedOut whether the run gave up waiting for terminal executions
 * @param wallTime the whole run, stack start to stack stop excluded
 */
public record RunResult(
        Scenario scenario,
        String mqttEndpoint,
        int devicesReady,
        Duration readyTime,
        List<JobResult> jobs,
        boolean timedOut,
        Duration wallTime) {

    /**
     * @param job the job's final state
     * @param createdToSucceededMillis latency from job creation to each device's accepted SUCCEEDED update
     */
    public record JobResult(JobView job, LatencySummary createdToSucceededMillis) {
        public boolean allSucceeded() {
            return job.status() == JobStatus.COMPLETED && job.count(JobExecutionStatus.SUCCEEDED) == job.targetCount();
        }
    }

    /** Percentiles of one latency, in milliseconds. */
    public record LatencySummary(long count, double p50, double p99, double max) {}

    /** True when no wait timed out and every execution of every job SUCCEEDED. */
    public boolean passed() {
        return !timedOut && jobs.stream().allMatch(JobResult::allSucceeded);
    }
}

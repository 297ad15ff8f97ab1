package dev.fleetsim.jobs.config;

import java.time.Duration;

/**
 * How long the local stack keeps jobs that are over (COMPLETED or CANCELED) with their executions. AWS keeps such jobs
 * "for a limited time" and does not publish the figure (spec §13), so this is fleetsim's choice: a job that has been
 * over for {@code completedFor} (stack time, so simulated time at a time scale), or that is older than the newest
 * {@code completedJobs} finished jobs, is removed with its executions as if DeleteJob had been called. A soak that
 * creates a job every few minutes then holds a bounded history and flat memory. Jobs still running are never removed.
 * A run keeps the per-execution detail of its report (rollout series, status series) for the same jobs.
 *
 * @param completedJobs how many finished jobs to keep at most (the most recently finished)
 * @param completedFor how long a finished job is kept
 */
public record Retention(int completedJobs, Duration completedFor) {
    /** 1,000 finished jobs, each for at most 90 days. */
    public static final Retention DEFAULT = new Retention(1_000, Duration.ofDays(90));

    public Retention {
        if (completedJobs < 1) {
            throw new IllegalArgumentException("keep at least one finished job, not " + completedJobs);
        }
        if (completedFor == null || completedFor.isNegative() || completedFor.isZero()) {
            throw new IllegalArgumentException("a finished job is kept for a positive duration, not " + completedFor);
        }
    }
}

package dev.fleetsim.local.jobs;

import java.time.Instant;

/**
 * Which lifecycle events the service publishes on {@code $aws/events/...} (spec §2.10). AWS publishes none until
 * {@code UpdateEventConfigurations} enables them; the local stack can start with them enabled.
 */
public final class Events {
    boolean job;
    boolean jobExecution;
    /** When the configuration last changed (DescribeEventConfigurations' dates); null until it does. */
    Instant updatedAt;

    private final Runnable onChange;

    Events(boolean enabled, Runnable onChange) {
        this.job = enabled;
        this.jobExecution = enabled;
        this.onChange = onChange;
    }

    /** Job events ({@code $aws/events/job/...}). */
    public boolean job() {
        return job;
    }

    /** Job-execution events ({@code $aws/events/jobExecution/...}). */
    public boolean jobExecution() {
        return jobExecution;
    }

    /** Sets both switches (UpdateEventConfigurations), stamping the change. */
    public void configure(boolean job, boolean jobExecution, Instant now) {
        this.job = job;
        this.jobExecution = jobExecution;
        this.updatedAt = now;
        onChange.run();
    }

    /** When the configuration last changed, or null. */
    public Instant updatedAt() {
        return updatedAt;
    }
}

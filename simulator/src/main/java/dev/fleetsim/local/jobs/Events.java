package dev.fleetsim.local.jobs;

/**
 * Which lifecycle events the service publishes on {@code $aws/events/...} (spec §2.10). AWS publishes none until
 * {@code UpdateEventConfigurations} enables them; the local stack can start with them enabled.
 */
final class Events {
    boolean job;
    boolean jobExecution;

    Events(boolean enabled) {
        this.job = enabled;
        this.jobExecution = enabled;
    }
}

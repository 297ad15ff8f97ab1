package dev.fleetsim.jobs;

/**
 * Device-plane summary used by {@code get/accepted} and {@code notify} (§2.7). It has no {@code status}: the list
 * or key that holds it gives the status.
 */
public record JobExecutionSummary(
        String jobId, Long queuedAt, Long startedAt, Long lastUpdatedAt, Integer versionNumber, Long executionNumber) {}

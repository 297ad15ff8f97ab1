package dev.fleetsim.jobs;

/**
 * Payload of {@code P/notify-next} (§2.9.2): the new head execution with its job document, or only
 * {@code {"timestamp":n}} when the thing's queue drained.
 */
public record NextJobExecutionChangedEvent(JobExecution execution, long timestamp) {}

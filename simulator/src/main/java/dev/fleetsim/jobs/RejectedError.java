package dev.fleetsim.jobs;

/**
 * Payload of every {@code /rejected} answer (§2.8). {@code clientToken} is echoed when the request had one;
 * {@code executionState} is present only for {@link RejectedErrorCode#VersionMismatch} and
 * {@link RejectedErrorCode#InvalidStateTransition}.
 */
public record RejectedError(
        RejectedErrorCode code, String message, String clientToken, long timestamp, JobExecutionState executionState) {}

package dev.fleetsim.jobs;

/**
 * The {@code code} of a {@code /rejected} answer, spelled exactly as AWS does (spec §2.8). Clients branch on these
 * codes only; the {@code message} text is free-form.
 */
public enum RejectedErrorCode {
    /** The request went to a topic in the jobs namespace that maps to no API. */
    InvalidTopic,
    /** The payload is not valid UTF-8 JSON. */
    InvalidJson,
    /** Invalid contents: bad field types, bad {@code statusDetails}, a client token over 64 bytes. */
    InvalidRequest,
    /** The transition is not allowed from the current status; the answer carries {@code executionState}. */
    InvalidStateTransition,
    /** The job execution named in the topic does not exist. */
    ResourceNotFound,
    /** {@code expectedVersion} differs from the stored version; the answer carries {@code executionState}. */
    VersionMismatch,
    /** Service error; retryable. */
    InternalError,
    /** Throttled; retryable. */
    RequestThrottled,
    /** A describe on a job execution that is in a terminal state. */
    TerminalStateReached;

    /** Only these two codes carry {@code executionState} in the rejected payload (§2.8). */
    public boolean carriesExecutionState() {
        return this == InvalidStateTransition || this == VersionMismatch;
    }

    /** The AWS IoT Device Client retries only these (§2.8, §8). */
    public boolean isRetryable() {
        return this == RequestThrottled || this == InternalError;
    }
}

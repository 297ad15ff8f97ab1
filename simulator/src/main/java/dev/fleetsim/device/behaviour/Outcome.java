package dev.fleetsim.device.behaviour;

/** How a device ends a job execution. */
public enum Outcome {
    /** Reports SUCCEEDED. */
    SUCCEED,
    /** Reports FAILED (retryable by jobExecutionsRetryConfig). */
    FAIL,
    /** Reports REJECTED (never retried). */
    REJECT,
    /** Stops reporting: the execution stays IN_PROGRESS until a service timer makes it TIMED_OUT. */
    HANG
}

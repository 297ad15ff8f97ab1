package dev.fleetsim.jobs.config;

/**
 * A CreateJob configuration that breaks the service model's limits (spec §3.5, §3.6, §5); the control plane answers
 * it as {@code InvalidRequestException}, the scenario loader as an error at the field's line. A user mistake, so it
 * carries no stack trace.
 */
public final class InvalidJobConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidJobConfigException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** Named as the control plane's factory reads: {@code throw invalidRequest("…")}. */
    static InvalidJobConfigException invalidRequest(String message) {
        return new InvalidJobConfigException(message);
    }
}

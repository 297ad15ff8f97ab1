package dev.fleetsim.jobs;

/**
 * A device request that must be answered on {@code /rejected}. Normal under load and under bad input, so it is
 * stackless: it carries protocol data, not a trace.
 */
public final class JobsRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final RejectedErrorCode code;
    private final String clientToken;
    private final transient JobExecutionState executionState;

    public JobsRequestException(RejectedErrorCode code, String message, String clientToken) {
        this(code, message, clientToken, null);
    }

    public JobsRequestException(
            RejectedErrorCode code, String message, String clientToken, JobExecutionState executionState) {
        super(message, null, false, false);
        this.code = code;
        this.clientToken = clientToken;
        this.executionState = executionState;
    }

    public RejectedErrorCode code() {
        return code;
    }

    public String clientToken() {
        return clientToken;
    }

    public JobExecutionState executionState() {
        return executionState;
    }

    /** The rejected payload for this error at the given time (epoch seconds). */
    public RejectedError toRejectedError(long timestamp) {
        return new RejectedError(
                code, getMessage(), clientToken, timestamp, code.carriesExecutionState() ? executionState : null);
    }
}

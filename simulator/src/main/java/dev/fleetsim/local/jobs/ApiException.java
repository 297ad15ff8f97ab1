package dev.fleetsim.local.jobs;

/**
 * A control-plane (or HTTPS data-plane) error as AWS sends it: an HTTP status, the error type that goes into
 * {@code x-amzn-ErrorType}, and a message (spec §4.1). Stackless: these are answers, not bugs.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final transient String resourceId;
    private final transient String resourceArn;

    public ApiException(int status, String type, String message) {
        this(status, type, message, null, null);
    }

    public ApiException(int status, String type, String message, String resourceId, String resourceArn) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.resourceId = resourceId;
        this.resourceArn = resourceArn;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String resourceId() {
        return resourceId;
    }

    public String resourceArn() {
        return resourceArn;
    }

    public static ApiException invalidRequest(String message) {
        return new ApiException(400, "InvalidRequestException", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "ResourceNotFoundException", message);
    }

    public static ApiException alreadyExists(String message, String id, String arn) {
        return new ApiException(409, "ResourceAlreadyExistsException", message, id, arn);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "ConflictException", message);
    }

    public static ApiException invalidStateTransition(String message) {
        return new ApiException(409, "InvalidStateTransitionException", message);
    }

    public static ApiException versionConflict(String message) {
        return new ApiException(409, "VersionConflictException", message);
    }

    /** The {@code iot} model's LimitExceededException is HTTP 410 (spec §4.1, §15.15). */
    public static ApiException limitExceeded(String message) {
        return new ApiException(410, "LimitExceededException", message);
    }

    /** Data plane: TerminalStateException is HTTP 410. */
    public static ApiException terminalState(String message) {
        return new ApiException(410, "TerminalStateException", message);
    }
}

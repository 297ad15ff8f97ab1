package dev.fleetsim.scenario;

/**
 * A scenario file that cannot be used: missing, unreadable or invalid. A user mistake, so the message is complete
 * (file, line, column, what is wrong) and there is no stack trace.
 */
public final class ScenarioException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScenarioException(String message) {
        super(message, null, false, false);
    }
}

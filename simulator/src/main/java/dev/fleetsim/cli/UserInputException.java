package dev.fleetsim.cli;

/** A mistake on the command line or in the environment it names: one message, exit code 2, no stack trace. */
final class UserInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserInputException(String message) {
        super(message, null, false, false);
    }
}

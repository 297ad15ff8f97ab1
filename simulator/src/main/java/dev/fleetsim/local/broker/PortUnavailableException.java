package dev.fleetsim.local.broker;

/** A listener port the user asked for is taken: a user mistake, reported without a stack trace. */
public final class PortInUseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PortInUseException(String what, String address, int port) {
        super(
                what + " port " + port + " on " + address + " is already in use; choose another port or stop the"
                        + " process that holds it",
                null,
                false,
                false);
    }
}

package dev.fleetsim.net;

/**
 * A listener port cannot be bound: taken, privileged, or on an address that is not this machine's. A user mistake
 * (or a machine setting), reported without a stack trace.
 */
public final class PortUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the port cannot be bound. */
    public enum Reason {
        IN_USE,
        /** Ports below 1024 need root or CAP_NET_BIND_SERVICE (or a lower net.ipv4.ip_unprivileged_port_start). */
        PRIVILEGED,
        /** The bind address is not an address of this machine. */
        NOT_LOCAL
    }

    private final Reason reason;
    private final int port;

    public PortUnavailableException(String what, String address, int port, Reason reason) {
        super(message(what, address, port, reason), null, false, false);
        this.reason = reason;
        this.port = port;
    }

    public Reason reason() {
        return reason;
    }

    public int port() {
        return port;
    }

    private static String message(String what, String address, int port, Reason reason) {
        return switch (reason) {
            case IN_USE ->
                port == 0
                        ? "no free port for the " + what + " listener on " + address
                        : what + " port " + port + " on " + address + " is already in use; choose another port or stop"
                                + " the process that holds it";
            case PRIVILEGED ->
                what + " port " + port + " is below 1024 and this process may not bind it; run as"
                        + " root, grant CAP_NET_BIND_SERVICE to java, lower net.ipv4.ip_unprivileged_port_start, or"
                        + " choose a port of 1024 or more";
            case NOT_LOCAL ->
                "cannot listen on " + address + ": it is not an address of this machine (use"
                        + " 127.0.0.1, 0.0.0.0 or one of this machine's addresses)";
        };
    }
}

package dev.fleetsim.net;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Port checks done before a server starts, so a port that cannot be bound gives a clear message instead of a bind
 * trace.
 *
 * <p>The probe binds with {@code SO_REUSEADDR}, as the servers themselves do (Netty's and the JDK's server sockets on
 * Linux): a port whose last connections sit in TIME_WAIT after a restart is free for a server, so it is free here.
 */
public final class Ports {
    /**
     * "Any free port" is picked below the kernel's ephemeral range (32768–60999 on Linux): a port handed out by
     * binding port 0 comes from that range, so an outgoing connection could take it between this check and the
     * server's own bind. Ports here are only ever taken by servers that bind them on purpose.
     */
    static final int FREE_LOW = 20_000;

    static final int FREE_HIGH = 32_000;

    private Ports() {}

    /**
     * Returns {@code port} when it can be bound on {@code address}, or a free port when {@code port} is 0.
     *
     * @throws PortUnavailableException when the port cannot be bound (or no free port was found)
     */
    public static int claim(String what, String address, int port) {
        return claim(what, address, port, Set.of());
    }

    /** As {@link #claim(String, String, int)}, never picking one of {@code taken} for port 0. */
    public static int claim(String what, String address, int port, Set<Integer> taken) {
        if (port != 0) {
            PortUnavailableException.Reason problem = problem(address, port);
            if (problem != null) {
                throw new PortUnavailableException(what, address, port, problem);
            }
            return port;
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(FREE_LOW, FREE_HIGH);
            if (taken.contains(candidate)) {
                continue;
            }
            PortUnavailableException.Reason problem = problem(address, candidate);
            if (problem == null) {
                return candidate;
            }
            if (problem == PortUnavailableException.Reason.NOT_LOCAL) {
                throw new PortUnavailableException(what, address, 0, problem);
            }
        }
        throw new PortUnavailableException(what, address, 0, PortUnavailableException.Reason.IN_USE);
    }

    /** Why {@code port} cannot be bound on {@code address}, or empty when it can. */
    public static Optional<PortUnavailableException.Reason> check(String address, int port) {
        return Optional.ofNullable(problem(address, port));
    }

    /** Why {@code port} cannot be bound on {@code address}, or null when it can. */
    static PortUnavailableException.Reason problem(String address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return null;
        } catch (BindException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Permission denied")) {
                return PortUnavailableException.Reason.PRIVILEGED;
            }
            if (message.contains("Cannot assign requested address")) {
                return PortUnavailableException.Reason.NOT_LOCAL;
            }
            return PortUnavailableException.Reason.IN_USE;
        } catch (IOException e) {
            return PortUnavailableException.Reason.NOT_LOCAL;
        }
    }
}

package dev.fleetsim.local.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Port checks done before a server starts, so a taken port gives a clear message instead of a bind trace. */
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
     * @throws PortInUseException when the port is taken (or no free port was found)
     */
    public static int claim(String what, String address, int port) {
        return claim(what, address, port, java.util.Set.of());
    }

    /** As {@link #claim(String, String, int)}, never picking one of {@code taken} for port 0. */
    public static int claim(String what, String address, int port, java.util.Set<Integer> taken) {
        if (port != 0) {
            if (!free(address, port)) {
                throw new PortInUseException(what, address, port);
            }
            return port;
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(FREE_LOW, FREE_HIGH);
            if (!taken.contains(candidate) && free(address, candidate)) {
                return candidate;
            }
        }
        throw new PortInUseException(what, address, 0);
    }

    private static boolean free(String address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

package dev.fleetsim.local.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks done before a server starts, so a taken port gives a clear message instead of a bind trace. */
public final class Ports {
    private Ports() {}

    /**
     * Returns {@code port} when it can be bound on {@code address}, or a free port when {@code port} is 0.
     *
     * @throws PortInUseException when the port is taken
     */
    public static int claim(String what, String address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new PortInUseException(what, address, port);
        }
    }
}

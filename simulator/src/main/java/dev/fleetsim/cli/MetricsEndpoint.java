package dev.fleetsim.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code /metrics} of a command that serves Prometheus ({@code run}, {@code devices}): the text a supplier gives at each
 * scrape, on {@code bind:port} (0: a free port), printed when it starts. One place for the option checks and the
 * "cannot listen" message.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** The option's value is a port, -1 (off) or 0 (a free one). */
    static void check(int port) {
        if (port < -1 || port > 65_535) {
            throw new UserInputException("--metrics-port must be 0-65535 (0: a free port), or -1 for none");
        }
    }

    /** Serves {@code exposition} at {@code http://bind:port/metrics}; null when {@code port} is -1 (off). */
    static MetricsEndpoint start(String bind, int port, Supplier<String> exposition, PrintWriter out) {
        if (port < 0) {
            return null;
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
            server.createContext("/metrics", exchange -> {
                byte[] body = exposition.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(body);
                }
            });
            server.start();
            out.println("  metrics: http://" + bind + ":" + server.getAddress().getPort() + "/metrics");
            out.flush();
            return new MetricsEndpoint(server);
        } catch (IOException e) {
            throw new UserInputException("--metrics-port " + port + " on " + bind + ": " + e.getMessage());
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

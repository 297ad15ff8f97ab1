package dev.fleetsim.bench;

import dev.fleetsim.local.Folders;
import dev.fleetsim.local.identity.LocalCa;
import dev.fleetsim.net.Ports;
import dev.fleetsim.pki.Pem;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto} started on a loopback port with a generated config, as the external broker of device-side
 * benchmarks (so the broker's memory is not counted). Install it with {@code apt-get install mosquitto}.
 */
public final class Mosquitto implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;
    private final Path dir;

    private Mosquitto(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    public static Mosquitto start() throws IOException, InterruptedException {
        return start(null, false, null);
    }

    public static Mosquitto start(LocalCa ca) throws IOException, InterruptedException {
        return start(ca, false, null);
    }

    /**
     * As {@link #start(LocalCa)} (plain TCP when {@code ca} is null), with mosquitto pinned to {@code cpus} ({@code
     * taskset -c} syntax) so that it does not share cores with the process under measurement.
     */
    public static Mosquitto pinned(LocalCa ca, String cpus) throws IOException, InterruptedException {
        return start(ca, false, cpus);
    }

    /**
     * A broker that logs each connection ({@code New client connected ... as ID (p2, c1, k60)}: protocol level, clean
     * session, keep-alive) to {@link #log()}, for tests that check what clients sent; benches leave it off.
     */
    public static Mosquitto startLogged() throws IOException, InterruptedException {
        return start(null, true, null);
    }

    /**
     * With {@code ca}, the listener is mutual TLS (OpenSSL in mosquitto): the server certificate is the local CA's
     * server certificate, and clients must present a certificate that CA issued.
     */
    private static Mosquitto start(LocalCa ca, boolean logged, String cpus) throws IOException, InterruptedException {
        if (!available()) {
            throw new IllegalStateException("mosquitto is not installed: apt-get install mosquitto");
        }
        int port = Ports.claim("mosquitto", "127.0.0.1", 0);
        Path dir = Files.createTempDirectory("fleetsim-mosquitto-");
        Path conf = dir.resolve("mosquitto.conf");
        String tls = ca == null ? "" : tlsSettings(ca, dir);
        Files.writeString(conf, """
                listener %d 127.0.0.1
                allow_anonymous true
                max_connections -1
                persistence false
                %s
                max_queued_messages 100
                user %s
                %s
                """.formatted(
                        port,
                        logged
                                ? "log_dest file " + dir.resolve("connections.log")
                                        + "\nlog_type notice\nconnection_messages true"
                                : "log_dest none",
                        System.getProperty("user.name"),
                        tls));
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of(ProcessCpu.TASKSET.toString(), "-c", cpus));
        }
        command.addAll(List.of(BINARY.toString(), "-c", conf.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new Mosquitto(process, port, dir);
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("mosquitto did not start; see " + dir.resolve("mosquitto.log"));
    }

    private static String tlsSettings(LocalCa ca, Path dir) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(ca.serverKeyStore())) {
                store.load(in, LocalCa.STORE_PASSWORD.toCharArray());
            }
            Path key = dir.resolve("server-key.pem");
            Path cert = dir.resolve("server.pem");
            Files.writeString(key, Pem.encode(store.getKey("server", LocalCa.STORE_PASSWORD.toCharArray())));
            Files.writeString(cert, Pem.encode(store.getCertificate("server")));
            return """
                    cafile %s
                    certfile %s
                    keyfile %s
                    require_certificate true
                    """.formatted(ca.caCertificateFile(), cert, key);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the local CA's server key store", e);
        }
    }

    /** What mosquitto printed so far (connections, with {@link #startLogged()}). */
    public String log() throws IOException {
        Path log = dir.resolve("connections.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Folders.deleteRecursively(dir);
    }
}

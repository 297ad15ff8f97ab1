package dev.fleetsim.bench;

import dev.fleetsim.local.broker.Ports;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto} started on a loopback port with a generated config, as the external broker of device-side
 * benchmarks (so the broker's memory is not counted). Install it with {@code apt-get install mosquitto}.
 */
final class Mosquitto implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;
    private final Path dir;

    private Mosquitto(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    static Mosquitto start() throws IOException, InterruptedException {
        if (!available()) {
            throw new IllegalStateException("mosquitto is not installed: apt-get install mosquitto");
        }
        int port = Ports.claim("mosquitto", "127.0.0.1", 0);
        Path dir = Files.createTempDirectory("fleetsim-mosquitto-");
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, """
                listener %d 0.0.0.0
                allow_anonymous true
                max_connections -1
                persistence false
                log_dest none
                max_queued_messages 100
                """.formatted(port));
        Process process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
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

    int port() {
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
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}

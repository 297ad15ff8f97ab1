package dev.fleetsim.local;

import dev.fleetsim.local.broker.BrokerConfig;
import dev.fleetsim.local.broker.EmbeddedBroker;
import dev.fleetsim.local.jobs.JobsOutbound;
import dev.fleetsim.local.jobs.JobsService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The local stack: an embedded HiveMQ CE broker and the local IoT Jobs service behind it, started and stopped
 * together.
 *
 * <pre>
 *   device ──MQTT──► HiveMQ CE ──interceptor──► JobsService (engine thread)
 *          ◄─answer (to that client only)──┘◄── notify / notify-next (to subscribers)
 * </pre>
 */
public final class LocalStack implements AutoCloseable {
    private final EmbeddedBroker broker;
    private final JobsService jobs;
    private final Path stateDir;
    private final boolean deleteStateDir;

    private LocalStack(EmbeddedBroker broker, JobsService jobs, Path stateDir, boolean deleteStateDir) {
        this.broker = broker;
        this.jobs = jobs;
        this.stateDir = stateDir;
        this.deleteStateDir = deleteStateDir;
    }

    /**
     * Starts the stack. The future completes when the broker accepts connections.
     *
     * @throws dev.fleetsim.local.broker.PortInUseException (synchronously) when a requested port is taken
     */
    public static CompletableFuture<LocalStack> start(LocalStackConfig config) {
        boolean temporary = config.stateDir() == null;
        Path stateDir;
        try {
            stateDir = temporary ? Files.createTempDirectory("fleetsim-local-") : config.stateDir();
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state folder", e);
        }
        Outbound outbound = new Outbound();
        JobsService jobs = new JobsService(config.clock(), outbound);
        BrokerConfig brokerConfig = new BrokerConfig(
                config.bindAddress(), config.mqttPort(), stateDir, BrokerConfig.DEFAULT_MAX_PACKET_SIZE);
        try {
            return EmbeddedBroker.start(brokerConfig, jobs::onDeviceRequest).thenApply(broker -> {
                outbound.target = broker;
                return new LocalStack(broker, jobs, stateDir, temporary);
            });
        } catch (RuntimeException e) {
            jobs.close();
            if (temporary) {
                deleteRecursively(stateDir);
            }
            throw e;
        }
    }

    public JobsService jobs() {
        return jobs;
    }

    /** {@code tcp://host:port} of the plain MQTT listener. */
    public String mqttEndpoint() {
        return broker.endpoint();
    }

    public int mqttPort() {
        return broker.port();
    }

    public Path stateDir() {
        return stateDir;
    }

    /**
     * Stops the broker and the Jobs service and deletes a temporary state folder. Runs on a thread of its own: HiveMQ's
     * close waits on its state-change thread, so it must not run on a thread that completes HiveMQ's futures.
     */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread stopper = new Thread(
                () -> {
                    try {
                        broker.close();
                        jobs.close();
                        if (deleteStateDir) {
                            deleteRecursively(stateDir);
                        }
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                },
                "fleetsim-local-stop");
        stopper.setDaemon(true);
        stopper.start();
        return done;
    }

    @Override
    public void close() {
        stop().join();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: a leftover temporary folder is harmless.
        }
    }

    /** Breaks the construction cycle: the service needs an outbound before the broker that implements it exists. */
    private static final class Outbound implements JobsOutbound {
        private volatile JobsOutbound target;

        @Override
        public void toClient(String clientId, String topic, byte[] payload) {
            JobsOutbound t = target;
            if (t != null) {
                t.toClient(clientId, topic, payload);
            }
        }

        @Override
        public void publish(String topic, byte[] payload) {
            JobsOutbound t = target;
            if (t != null) {
                t.publish(topic, payload);
            }
        }
    }
}

package dev.fleetsim.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.broker.BrokerConfig;
import dev.fleetsim.local.broker.EmbeddedBroker;
import dev.fleetsim.local.controlplane.ControlPlane;
import dev.fleetsim.local.controlplane.HttpApiServer;
import dev.fleetsim.local.identity.LocalCa;
import dev.fleetsim.local.jobs.JobsOutbound;
import dev.fleetsim.local.jobs.JobsService;
import dev.fleetsim.local.jobs.LocalEndpoints;
import dev.fleetsim.local.jobs.Registry;
import dev.fleetsim.local.s3.ArtifactFaults;
import dev.fleetsim.local.s3.ObjectStore;
import dev.fleetsim.local.s3.PlaceholderPresigner;
import dev.fleetsim.local.s3.S3Server;
import dev.fleetsim.local.s3.StoreDocumentSource;
import dev.fleetsim.net.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The local stack: an embedded HiveMQ CE broker (plain and mTLS listeners), the local IoT Jobs service behind it, and
 * the HTTP server for AWS's control plane and device data plane, started and stopped together.
 *
 * <pre>
 *   device ──MQTT / mTLS──► HiveMQ CE ──interceptor──► JobsService (engine thread) ◄──REST-JSON── AWS SDK / CLI
 *          ◄─answer (to that client only)──┘◄── notify / notify-next / $aws/events (to subscribers)
 * </pre>
 */
public final class LocalStack implements AutoCloseable {
    /** Name of the endpoints file written to the state folder. */
    public static final String ENDPOINTS_FILE = "endpoints.json";

    private final LocalStackConfig config;
    private final EmbeddedBroker broker;
    private final JobsService jobs;
    private final HttpApiServer controlPlane;
    private final HttpApiServer dataPlane;
    private final S3Server s3;
    private final LocalCa ca;
    private final Path stateDir;
    private final boolean deleteStateDir;
    private final StateLock lock;
    /** The key pair clients sign with: {@link AccessKeyPair#DEFAULT}, or the strict stack's own. */
    private final AccessKeyPair keys;

    private LocalStack(
            LocalStackConfig config,
            EmbeddedBroker broker,
            JobsService jobs,
            HttpApiServer controlPlane,
            HttpApiServer dataPlane,
            S3Server s3,
            LocalCa ca,
            Path stateDir,
            boolean deleteStateDir,
            StateLock lock,
            AccessKeyPair keys) {
        this.keys = keys;
        this.config = config;
        this.broker = broker;
        this.jobs = jobs;
        this.controlPlane = controlPlane;
        this.dataPlane = dataPlane;
        this.s3 = s3;
        this.ca = ca;
        this.stateDir = stateDir;
        this.deleteStateDir = deleteStateDir;
        this.lock = lock;
    }

    /**
     * Starts the stack. The future completes when every listener accepts connections.
     *
     * @throws dev.fleetsim.net.PortUnavailableException (synchronously) when a requested port is taken
     */
    public static CompletableFuture<LocalStack> start(LocalStackConfig config) {
        boolean temporary = config.stateDir() == null;
        Path stateDir;
        try {
            stateDir = temporary
                    ? Files.createTempDirectory("fleetsim-local-")
                    : config.stateDir().toAbsolutePath().normalize();
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state folder " + config.stateDir(), e);
        }
        StateLock lock = temporary ? null : StateLock.acquire(stateDir);
        List<AutoCloseable> started = new ArrayList<>();
        if (lock != null) {
            started.add(lock);
        }
        try {
            String host = config.bindAddress();
            // Claim the ports first so that DescribeEndpoint can name them and a taken port fails fast.
            Set<Integer> claimed = new HashSet<>();
            // Strict: no plain MQTT (IoT Core has none); every device connects over mutual TLS.
            int mqttPort = config.strict() ? -1 : Ports.claim("MQTT", host, config.mqttPort(), claimed);
            claimed.add(mqttPort);
            int mqttsPort = config.mqttsPort() == LocalStackConfig.DISABLED
                    ? LocalStackConfig.DISABLED
                    : Ports.claim("MQTT TLS", host, config.mqttsPort(), claimed);
            claimed.add(mqttsPort);
            int alpnPort = config.alpnPort() == LocalStackConfig.DISABLED
                    ? LocalStackConfig.DISABLED
                    : Ports.claim("MQTT TLS with ALPN", host, config.alpnPort(), claimed);
            claimed.add(alpnPort);
            int cpPort = Ports.claim("control plane", host, config.controlPlanePort(), claimed);
            claimed.add(cpPort);
            int dpPort = Ports.claim("jobs data plane", host, config.dataPlanePort(), claimed);
            claimed.add(dpPort);
            int s3Port = Ports.claim("artifact store (S3)", host, config.s3Port(), claimed);
            String publicHost = config.publicHost();
            LocalCa ca = LocalCa.open(
                    stateDir.resolve("ca"),
                    List.copyOf(new LinkedHashSet<>(List.of("localhost", host, publicHost, "127.0.0.1"))));
            AccessKeyPair keys = config.strict() ? StackCredentials.open(stateDir) : AccessKeyPair.DEFAULT;
            Outbound outbound = new Outbound();
            // DescribeEndpoint answers a bare host, as AWS does, when the port is the one clients assume (8883 for
            // MQTT over TLS, 443 for MQTT with ALPN or HTTPS); otherwise host:port, so that the answer stays usable.
            LocalEndpoints endpoints = new LocalEndpoints(
                    mqttsPort == 8883 || alpnPort == 443
                            ? publicHost
                            : publicHost + ":" + (mqttsPort > 0 ? mqttsPort : mqttPort),
                    dpPort == 443 ? publicHost : publicHost + ":" + dpPort);
            JobsService jobs = new JobsService(
                    new JobsService.Config(
                            config.clock(),
                            config.arns(),
                            config.eventsEnabled(),
                            ca,
                            endpoints,
                            config.deviceApiRatePerSecond(),
                            config.statusDetailChars(),
                            config.rateIncrease(),
                            config.durable() ? stateDir.resolve("jobs") : null,
                            config.strict(),
                            config.retention()),
                    outbound);
            started.add(jobs);
            ControlPlane api = new ControlPlane(jobs, ca, endpoints, config.strictQuotas(), keys);
            HttpApiServer controlPlane = HttpApiServer.start("control plane", host, cpPort, api, jobs, false);
            started.add(controlPlane);
            HttpApiServer dataPlane = HttpApiServer.start("jobs data plane", host, dpPort, api, jobs, true);
            started.add(dataPlane);
            S3Server s3 = S3Server.start(
                    new S3Server.Config(
                            host,
                            s3Port,
                            ObjectStore.open(stateDir.resolve("s3"), config.clock(), config.maxObjectSize()),
                            Map.of(keys.accessKeyId(), keys),
                            config.arns().region(),
                            config.clock(),
                            new ArtifactFaults()),
                    1);
            started.add(s3);
            jobs.useDocumentSource(new StoreDocumentSource(s3.store())).join();
            jobs.usePresigner(new PlaceholderPresigner(
                            "http://" + publicHost + ":" + s3.port(),
                            keys,
                            config.arns().region(),
                            config.clock()))
                    .join();
            AtomicReference<JobsService> service = new AtomicReference<>(jobs);
            BrokerConfig.Tls tls = mqttsPort == LocalStackConfig.DISABLED && alpnPort == LocalStackConfig.DISABLED
                    ? null
                    : new BrokerConfig.Tls(
                            mqttsPort,
                            alpnPort,
                            ca.serverKeyStore(),
                            ca.trustStore(),
                            LocalCa.STORE_PASSWORD,
                            new BrokerConfig.Identities() {
                                @Override
                                public Registry.ConnectionGrant grant(String certificateId, String clientId) {
                                    return service.get().grant(certificateId, clientId);
                                }

                                @Override
                                public void onChange(Runnable listener) {
                                    service.get().onAccessChange(listener);
                                }
                            });
            BrokerConfig brokerConfig = new BrokerConfig(
                    host, mqttPort, stateDir, BrokerConfig.DEFAULT_MAX_PACKET_SIZE, tls, config.strictQuotas());
            return EmbeddedBroker.start(brokerConfig, jobs::onDeviceRequest, jobs.meterRegistry())
                    .thenApply(broker -> {
                        outbound.target = broker;
                        LocalStack stack = new LocalStack(
                                config, broker, jobs, controlPlane, dataPlane, s3, ca, stateDir, temporary, lock, keys);
                        stack.writeEndpoints();
                        return stack;
                    });
        } catch (RuntimeException | InterruptedException e) {
            for (AutoCloseable c : started) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
            if (temporary) {
                Folders.deleteRecursively(stateDir);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the local stack", e);
            }
            throw (RuntimeException) e;
        }
    }

    /** The MQTT client ids connected to the broker now. */
    public CompletableFuture<Set<String>> connectedClients() {
        return broker.connectedClients();
    }

    public JobsService jobs() {
        return jobs;
    }

    public LocalStackConfig config() {
        return config;
    }

    /** {@code tcp://host:port} of the plain MQTT listener, or null when off (strict). */
    public String mqttEndpoint() {
        return broker.port() < 0 ? null : "tcp://" + config.publicHost() + ":" + broker.port();
    }

    /** The access key pair the control plane, the data plane and the artifact store verify signatures with. */
    public AccessKeyPair credentials() {
        return keys;
    }

    public int mqttPort() {
        return broker.port();
    }

    /** The mTLS port, or -1 when off. */
    public int mqttsPort() {
        return broker.tlsPort();
    }

    /** The MQTT over TLS with ALPN {@code x-amzn-mqtt-ca} port (IoT Core's 443), or -1 when off. */
    public int alpnPort() {
        return broker.alpnPort();
    }

    /** {@code http://host:port} of the control plane: give it to the AWS SDK or CLI as the endpoint. */
    public String controlPlaneEndpoint() {
        return "http://" + config.publicHost() + ":" + controlPlane.port();
    }

    /** {@code http://host:port} of the HTTPS device data plane ({@code iot-jobs-data}). */
    public String jobsDataPlaneEndpoint() {
        return "http://" + config.publicHost() + ":" + dataPlane.port();
    }

    /**
     * Restarts the broker as clients see it: every MQTT connection drops and reconnects are refused for {@code down}.
     * Completes with the number of clients dropped.
     */
    public CompletableFuture<Integer> restartBroker(Duration down) {
        return broker.restart(down);
    }

    /** The artifact store (S3 REST, path-style). */
    public S3Server s3() {
        return s3;
    }

    /** {@code http://host:port} of the artifact store: the S3 endpoint override for the AWS SDK or CLI. */
    public String s3Endpoint() {
        return "http://" + config.publicHost() + ":" + s3.port();
    }

    public LocalCa ca() {
        return ca;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** The content of {@code endpoints.json}. */
    public ObjectNode endpoints() {
        ObjectNode e = JobsJson.mapper().createObjectNode();
        if (mqttEndpoint() != null) {
            e.put("mqtt", mqttEndpoint());
        }
        e.put("strict", config.strict());
        if (mqttsPort() > 0) {
            e.put("mqtts", "ssl://" + config.publicHost() + ":" + mqttsPort());
        }
        if (alpnPort() > 0) {
            e.put("mqttsAlpn", "ssl://" + config.publicHost() + ":" + alpnPort());
        }
        e.put("controlPlane", controlPlaneEndpoint());
        e.put("jobsDataPlane", jobsDataPlaneEndpoint());
        e.put("metrics", controlPlaneEndpoint() + "/metrics");
        e.put("s3", s3Endpoint());
        e.put("accessKeyId", keys.accessKeyId());
        e.put("secretAccessKey", keys.secretAccessKey());
        e.put("caCertificate", ca.caCertificateFile().toAbsolutePath().toString());
        e.put(
                "codeSigningCertificate",
                ca.codeSigning().certificateFile().toAbsolutePath().toString());
        e.put("region", config.arns().region());
        e.put("accountId", config.arns().accountId());
        return e;
    }

    private void writeEndpoints() {
        try {
            Files.writeString(stateDir.resolve(ENDPOINTS_FILE), endpointsText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + ENDPOINTS_FILE, e);
        }
    }

    private String endpointsText() throws IOException {
        return JobsJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(endpoints());
    }

    /** A later stack may have taken over the state folder; its endpoints file is not ours to delete. */
    private void deleteEndpointsIfOurs() throws IOException {
        Path file = stateDir.resolve(ENDPOINTS_FILE);
        if (Files.exists(file) && Files.readString(file).equals(endpointsText())) {
            Files.delete(file);
        }
    }

    /**
     * Stops everything and deletes a temporary state folder. Runs on a thread of its own: HiveMQ's close waits on its
     * state-change thread, so it must not run on a thread that completes HiveMQ's futures.
     */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread stopper = new Thread(
                () -> {
                    try {
                        controlPlane.close();
                        dataPlane.close();
                        s3.close();
                        broker.close();
                        jobs.close();
                        if (deleteStateDir) {
                            Folders.deleteRecursively(stateDir);
                        } else {
                            deleteEndpointsIfOurs();
                        }
                        if (lock != null) {
                            lock.close();
                        }
                        done.complete(null);
                    } catch (RuntimeException | IOException e) {
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

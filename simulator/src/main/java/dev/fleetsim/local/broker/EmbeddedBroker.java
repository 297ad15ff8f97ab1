package dev.fleetsim.local.broker;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.interceptor.suback.SubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.subscribe.SubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.publish.PublishToClientResult;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.jobs.JobsOutbound;
import dev.fleetsim.local.jobs.Registry;
import dev.fleetsim.metrics.Meter;
import dev.fleetsim.net.Ids;
import dev.fleetsim.net.PortUnavailableException;
import dev.fleetsim.net.Ports;
import dev.fleetsim.pki.Pem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ CE embedded, bound to loopback, in-memory persistence, with an embedded extension that
 *
 * <ul>
 *   <li>takes every client publish to a {@code $} topic out of normal delivery (HiveMQ CE would disconnect the client)
 *       and hands {@code $aws/things/+/jobs/...} requests to a {@link JobsRequestSink};
 *   <li>delivers the Jobs service's answers to the requesting client only, as AWS does, even when that client never
 *       subscribed to the answer topic (the extension then subscribes it to the answer family of that operation, so
 *       later answers need no second step);
 *   <li>publishes notifications to subscribers.
 * </ul>
 *
 * <p>Its configuration and data folders live under {@link BrokerConfig#stateDir()}.
 */
public final class EmbeddedBroker implements JobsOutbound, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    /** Connection attribute holding the token of a certificate-authenticated connection in {@link #tls}. */
    private static final String CONNECTION_ATTRIBUTE = "fleetsim.connection";
    /** Name of the broker's plain listener that only the ALPN front may use. */
    static final String RELAY_LISTENER = "fleetsim-alpn-relay";

    private static final String RELAY_ADDRESS = "127.0.0.1";

    private final BrokerConfig config;
    private final int port;
    private final int tlsPort;
    /** The broker's plain listener behind the ALPN front, on 127.0.0.1; -1 without one. */
    private final int relayPort;

    private final int alpnPort;
    private volatile AlpnTlsFront alpnFront;
    private final EmbeddedHiveMQ hivemq;
    private volatile PublishService publishService;
    private volatile ClientService clientService;
    /** IoT Core's broker limits in strict mode; null otherwise. */
    private final BrokerLimits limits;
    /** Accepted connections by the MQTT version the client spoke. */
    private final Map<MqttVersion, Counter> connects = new EnumMap<>(MqttVersion.class);
    /** Granted subscriptions the broker did not store, added back before their SUBACK ({@link SubscriptionKeeper}). */
    private final Counter restoredSubscriptions;

    private volatile SubscriptionKeeper keeper;

    /** Until this System.nanoTime(), the broker is "restarting": new connections are refused. */
    private volatile long downUntil = Long.MIN_VALUE;

    private volatile SubscriptionStore subscriptionStore;
    /** Connections authenticated with a certificate, with what their policies allow. */
    private final TlsConnections tls = new TlsConnections();
    /** A re-evaluation of every TLS connection's grant is scheduled (registry changes are coalesced). */
    private final AtomicBoolean reevaluation = new AtomicBoolean();

    private EmbeddedBroker(
            BrokerConfig config,
            int port,
            int tlsPort,
            int alpnPort,
            int relayPort,
            JobsRequestSink sink,
            MeterRegistry registry) {
        this.config = config;
        for (MqttVersion version : MqttVersion.values()) {
            String name = switch (version) {
                case V_3_1 -> "3.1";
                case V_3_1_1 -> "3.1.1";
                case V_5 -> "5";
            };
            connects.put(version, Meter.LOCAL_MQTT_CONNECTS.counter(registry, name));
        }
        this.restoredSubscriptions = Meter.LOCAL_MQTT_SUBSCRIPTIONS_RESTORED.counter(registry);
        this.port = port;
        this.tlsPort = tlsPort;
        this.alpnPort = alpnPort;
        this.relayPort = relayPort;
        this.limits = config.strict() == null ? null : new BrokerLimits(config.strict());
        Path conf = config.stateDir().resolve("broker/conf");
        Path data = config.stateDir().resolve("broker/data");
        Path extensions = config.stateDir().resolve("broker/extensions");
        try {
            Files.createDirectories(conf);
            Files.createDirectories(data);
            Files.createDirectories(extensions);
            Files.writeString(
                    conf.resolve("config.xml"),
                    configXml(config, port, config.strict() != null ? -1 : tlsPort, relayPort));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the broker folders under " + config.stateDir(), e);
        }
        EmbeddedExtension extension = EmbeddedExtension.builder()
                .withId("fleetsim-jobs")
                .withName("fleetsim local IoT Jobs")
                .withVersion("1")
                .withPriority(1000)
                .withStartPriority(1000)
                .withExtensionMain(new JobsExtension(sink))
                .build();
        this.hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withEmbeddedExtension(extension)
                .withoutLoggingBootstrap()
                .build();
    }

    /**
     * Starts a broker; the future completes once it accepts connections. Its meters go to {@code registry}.
     *
     * @throws PortUnavailableException (synchronously) when the requested port is taken
     */
    public static CompletableFuture<EmbeddedBroker> start(
            BrokerConfig config, JobsRequestSink sink, MeterRegistry registry) {
        Set<Integer> claimed = new HashSet<>();
        boolean strict = config.strict() != null;
        int port = strict && config.port() < 0 ? -1 : Ports.claim("MQTT", config.bindAddress(), config.port(), claimed);
        claimed.add(port);
        BrokerConfig.Tls tls = config.tls();
        if (strict && tls == null) {
            throw new IllegalArgumentException("a strict broker needs MQTT over TLS");
        }
        int tlsPort =
                tls == null || tls.port() < 0 ? -1 : Ports.claim("MQTT TLS", config.bindAddress(), tls.port(), claimed);
        claimed.add(tlsPort);
        int alpnPort = tls == null || tls.alpnPort() < 0
                ? -1
                : Ports.claim("MQTT TLS with ALPN", config.bindAddress(), tls.alpnPort(), claimed);
        claimed.add(alpnPort);
        // Strict: the front serves 8883 too, taking certificates of any issuer (RegisterCertificate, WithoutCA).
        List<Integer> frontPorts = new ArrayList<>();
        if (strict && tlsPort >= 0) {
            frontPorts.add(tlsPort);
        }
        if (alpnPort >= 0) {
            frontPorts.add(alpnPort);
        }
        int relayPort = frontPorts.isEmpty() ? -1 : Ports.claim("MQTT relay (internal)", RELAY_ADDRESS, 0, claimed);
        EmbeddedBroker broker = new EmbeddedBroker(config, port, tlsPort, alpnPort, relayPort, sink, registry);
        return broker.hivemq.start().thenApply(v -> {
            if (!frontPorts.isEmpty()) {
                try {
                    broker.alpnFront = AlpnTlsFront.start(config.bindAddress(), frontPorts, relayPort, tls, strict);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting the ALPN listener", e);
                }
            }
            return broker;
        });
    }

    /** The MQTT over TLS with ALPN port ({@code x-amzn-mqtt-ca}, IoT Core's 443), or -1 without it. */
    public int alpnPort() {
        return alpnPort;
    }

    /** The MQTT port actually bound. */
    public int port() {
        return port;
    }

    /** What keeps the subscriptions each SUBACK grants; null until the broker runs. */
    SubscriptionKeeper keeper() {
        return keeper;
    }

    /** {@code tcp://address:port}. */
    public String endpoint() {
        return "tcp://" + config.bindAddress() + ":" + port;
    }

    /** The mTLS port, or -1 without TLS. */
    public int tlsPort() {
        return tlsPort;
    }

    @Override
    public void toClient(String clientId, String topic, byte[] payload) {
        PublishService service = publishService;
        if (service == null) {
            return;
        }
        Publish publish = message(topic, payload);
        service.publishToClient(publish, clientId).whenComplete((result, error) -> {
            if (error != null) {
                log.debug("answer to {} on {} failed", clientId, topic, error);
            } else if (result == PublishToClientResult.NOT_SUBSCRIBED) {
                subscribeToAnswers(clientId, topic)
                        .thenCompose(v -> service.publishToClient(publish, clientId))
                        .whenComplete((r, e) -> {
                            if (e != null || r != PublishToClientResult.SUCCESSFUL) {
                                log.debug("answer to {} on {} not delivered: {}", clientId, topic, e != null ? e : r);
                            }
                        });
            }
        });
    }

    /**
     * A broker restart as clients see it: every connection is dropped and new ones are refused (CONNACK "server
     * unavailable") for {@code down}; then the broker accepts them again. Sessions stay in memory, as with a restart of
     * a broker that persists them. Completes once every client was asked to disconnect, with their number.
     */
    public CompletableFuture<Integer> restart(Duration down) {
        downUntil = System.nanoTime() + down.toNanos();
        var service = clientService;
        if (service == null) {
            return CompletableFuture.completedFuture(0);
        }
        AtomicInteger dropped = new AtomicInteger();
        return service.iterateAllClients((context, session) -> {
                    if (session.isConnected()) {
                        service.disconnectClient(session.getClientIdentifier());
                        dropped.incrementAndGet();
                    }
                })
                .thenApply(v -> dropped.get());
    }

    /** The client ids connected now (the live console's view of a standalone stack). */
    public CompletableFuture<Set<String>> connectedClients() {
        var service = clientService;
        Set<String> connected = ConcurrentHashMap.newKeySet();
        if (service == null) {
            return CompletableFuture.completedFuture(connected);
        }
        return service.iterateAllClients((context, session) -> {
                    if (session.isConnected()) {
                        connected.add(session.getClientIdentifier());
                    }
                })
                .thenApply(v -> connected);
    }

    @Override
    public void publish(String topic, byte[] payload) {
        PublishService service = publishService;
        if (service != null) {
            // A notification the broker refuses (a services rate limit, a stopping broker) is lost to its devices:
            // say so, so a stuck execution can be traced to it.
            service.publish(message(topic, payload)).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("publish to {} failed: {}", topic, e.toString());
                }
            });
        }
    }

    /**
     * AWS delivers answers without a subscription; HiveMQ's publish-to-client needs one. Subscribe the client to the
     * answer family of the operation ({@code P/get/+}, {@code P/start-next/+}, {@code P/+/get/+},
     * {@code P/+/update/+}), or to the exact topic for an {@code InvalidTopic} answer.
     */
    private CompletableFuture<Void> subscribeToAnswers(String clientId, String answerTopic) {
        String filter = answerTopic;
        Optional<JobsTopic> parsed = JobsTopic.parse(answerTopic);
        if (parsed.isPresent() && parsed.get().suffix() != JobsTopic.Suffix.REQUEST) {
            String p = JobsTopic.prefix(parsed.get().thingName());
            filter = switch (parsed.get().operation()) {
                case GET_PENDING -> p + "/get/+";
                case START_NEXT -> p + "/start-next/+";
                case DESCRIBE -> p + "/+/get/+";
                case UPDATE -> p + "/+/update/+";
                case NOTIFY, NOTIFY_NEXT, INVALID -> answerTopic;
            };
        }
        return subscriptionStore.addSubscription(
                clientId,
                Builders.topicSubscription()
                        .topicFilter(filter)
                        .qos(Qos.AT_LEAST_ONCE)
                        .build());
    }

    private static Publish message(String topic, byte[] payload) {
        return Builders.publish()
                .topic(topic)
                .qos(Qos.AT_LEAST_ONCE)
                .payload(ByteBuffer.wrap(payload))
                .build();
    }

    /** Stops the broker and waits for it; never call from a HiveMQ thread. */
    @Override
    public void close() {
        AlpnTlsFront front = alpnFront;
        if (front != null) {
            front.close();
        }
        try {
            hivemq.close();
        } catch (Exception e) {
            log.warn("broker did not close cleanly", e);
        }
    }

    private final class JobsExtension implements ExtensionMain {
        private final JobsRequestSink sink;

        JobsExtension(JobsRequestSink sink) {
            this.sink = sink;
        }

        @Override
        public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
            publishService = Services.publishService();
            clientService = Services.clientService();
            subscriptionStore = Services.subscriptionStore();
            SubscriptionKeeper keeper = new SubscriptionKeeper(
                    subscriptionStore, Services.extensionExecutorService(), restoredSubscriptions);
            EmbeddedBroker.this.keeper = keeper;
            SubscribeInboundInterceptor keepAsked = keeper.onSubscribe();
            SubackOutboundInterceptor keepGranted = keeper.onSuback();
            Services.securityRegistry().setAuthenticatorProvider(providerInput ->
                    (SimpleAuthenticator) (authIn, authOut) -> authenticate(authIn, authOut));
            Services.securityRegistry().setAuthorizerProvider(providerInput -> (SubscriptionAuthorizer) (in, out) -> {
                TlsConnections.Connection c =
                        connection(in.getClientInformation().getClientId(), in.getConnectionInformation());
                String filter = in.getSubscription().getTopicFilter();
                if (tooDeep(filter)) {
                    out.failAuthorization(
                            SubackReasonCode.TOPIC_FILTER_INVALID, "more than 7 forward slashes in " + filter);
                } else if (c == null || c.allows("iot:Subscribe", "topicfilter", filter)) {
                    out.authorizeSuccessfully();
                } else {
                    out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized to subscribe to " + filter);
                }
            });
            Services.eventRegistry()
                    .setClientLifecycleEventListener(providerInput -> new ClientLifecycleEventListener() {
                        @Override
                        public void onMqttConnectionStart(ConnectionStartInput in) {
                            connects.get(in.getConnectionInformation().getMqttVersion())
                                    .increment();
                        }

                        @Override
                        public void onAuthenticationSuccessful(AuthenticationSuccessfulInput in) {}

                        @Override
                        public void onDisconnect(DisconnectEventInput in) {
                            keeper.forget(in.getClientInformation().getClientId());
                            in.getConnectionInformation()
                                    .getConnectionAttributeStore()
                                    .getAsString(CONNECTION_ATTRIBUTE)
                                    .ifPresent(token ->
                                            tls.remove(in.getClientInformation().getClientId(), token));
                        }
                    });
            PublishInboundInterceptor inbound = (in, out) -> onPublish(in, out, sink);
            PublishOutboundInterceptor receive = (in, out) -> {
                TlsConnections.Connection c =
                        connection(in.getClientInformation().getClientId(), in.getConnectionInformation());
                if (c != null
                        && !c.allows(
                                "iot:Receive", "topic", in.getPublishPacket().getTopic())) {
                    out.preventPublishDelivery();
                }
            };
            // Strict: IoT Core takes at most 8 filters in one SUBSCRIBE; fleetsim answers more with a disconnect.
            SubscribeInboundInterceptor subscribe = limits == null
                    ? null
                    : (in, out) -> {
                        if (limits.tooManyFilters(
                                in.getSubscribePacket().getSubscriptions().size())) {
                            clientService.disconnectClient(
                                    in.getClientInformation().getClientId());
                        }
                    };
            Services.initializerRegistry().setClientInitializer((initializerInput, clientContext) -> {
                if (subscribe != null) {
                    clientContext.addSubscribeInboundInterceptor(subscribe);
                }
                clientContext.addSubscribeInboundInterceptor(keepAsked);
                clientContext.addSubackOutboundInterceptor(keepGranted);
                clientContext.addPublishInboundInterceptor(inbound);
                clientContext.addPublishOutboundInterceptor(receive);
            });
            if (config.tls() != null) {
                config.tls().identities().onChange(EmbeddedBroker.this::accessChanged);
            }
        }

        @Override
        public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
            publishService = null;
        }
    }

    /**
     * Every client publish: a certificate-authenticated connection needs {@code iot:Publish} on the topic (refused as
     * IoT Core refuses: PUBACK "not authorized" on MQTT 5, the connection closed on MQTT 3.1.1). Then publishes to a
     * {@code $} topic leave normal delivery, and Jobs and fleet-provisioning requests go to the service.
     */
    private void onPublish(PublishInboundInput in, PublishInboundOutput out, JobsRequestSink sink) {
        PublishPacket packet = in.getPublishPacket();
        String topic = packet.getTopic();
        String clientId = in.getClientInformation().getClientId();
        TlsConnections.Connection c = connection(clientId, in.getConnectionInformation());
        if (c != null && limits != null) {
            AckReasonCode refusal = tooDeep(topic)
                    ? AckReasonCode.TOPIC_NAME_INVALID
                    : !c.publishAllowed() ? AckReasonCode.QUOTA_EXCEEDED : null;
            if (refusal != null) {
                if (c.mqtt5) {
                    out.preventPublishDelivery(refusal, refusal.name());
                } else {
                    out.preventPublishDelivery(); // IoT Core drops a throttled publish; a too-deep topic closes
                    if (refusal == AckReasonCode.TOPIC_NAME_INVALID) {
                        clientService.disconnectClient(clientId);
                    }
                }
                return;
            }
        }
        if (c != null && !c.allows("iot:Publish", "topic", topic)) {
            if (c.mqtt5) {
                out.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, "not authorized to publish to " + topic);
            } else {
                out.preventPublishDelivery();
                clientService.disconnectClient(clientId);
            }
            return;
        }
        if (topic.isEmpty() || topic.charAt(0) != '$') {
            return;
        }
        out.preventPublishDelivery();
        if (JobsTopic.parse(topic).isPresent()
                || topic.startsWith("$aws/certificates/")
                || topic.startsWith("$aws/provisioning-templates/")) {
            sink.onDeviceRequest(clientId, c == null ? null : c.certificateId, topic, bytes(packet.getPayload()));
        } else if (log.isDebugEnabled()) {
            log.debug("dropped publish to unsupported reserved topic {}", topic);
        }
    }

    /** The connection's entry in {@link #tls}, or null for a plain-listener client. */
    private TlsConnections.Connection connection(String clientId, ConnectionInformation connection) {
        return connection
                .getConnectionAttributeStore()
                .getAsString(CONNECTION_ATTRIBUTE)
                .map(token -> tls.find(clientId, token))
                .orElse(null);
    }

    /**
     * A certificate, its things or a policy changed: after a short pause (changes come in bursts), every TLS
     * connection is granted again; one that may no longer connect (certificate not ACTIVE, detached, a policy that no
     * longer allows {@code iot:Connect}) is disconnected, as IoT Core does.
     */
    private void accessChanged() {
        if (config.tls() == null || !reevaluation.compareAndSet(false, true)) {
            return;
        }
        Services.extensionExecutorService()
                .schedule(
                        () -> {
                            reevaluation.set(false);
                            for (TlsConnections.Connection c : tls.all()) {
                                Registry.ConnectionGrant grant =
                                        config.tls().identities().grant(c.certificateId, c.clientId);
                                if (grant == null
                                        || !grant.active()
                                        || !grant.allows(
                                                "iot:Connect", grant.context().arn("client", c.clientId))) {
                                    tls.remove(c);
                                    clientService.disconnectClient(
                                            c.clientId,
                                            true,
                                            DisconnectReasonCode.NOT_AUTHORIZED,
                                            "no longer authorized");
                                } else {
                                    c.update(grant);
                                }
                            }
                        },
                        20,
                        TimeUnit.MILLISECONDS);
    }

    /** Strict mode: whether a topic or filter is deeper than IoT Core allows. */
    private boolean tooDeep(String topic) {
        return limits != null && limits.tooDeep(topic);
    }

    /**
     * Plain listener: anyone. mTLS listener: the client certificate must be known to the registry and ACTIVE; the
     * things attached to it are remembered for authorization.
     */
    private void authenticate(SimpleAuthInput in, SimpleAuthOutput out) {
        long until = downUntil;
        if (until != Long.MIN_VALUE && System.nanoTime() - until < 0) {
            out.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "the broker is restarting");
            return;
        }
        if (limits != null && !limits.connectAllowed(in.getClientInformation().getClientId())) {
            out.failAuthentication(ConnackReasonCode.QUOTA_EXCEEDED, "connect rate exceeded");
            return;
        }
        ConnectionInformation connection = in.getConnectionInformation();
        Optional<X509Certificate> certificate;
        if (connection
                .getListener()
                .map(l -> RELAY_LISTENER.equals(l.getName()))
                .orElse(false)) {
            // Relayed by the ALPN front: the certificate is the one of the TLS session its source address stands for.
            AlpnTlsFront front = alpnFront;
            certificate = front == null
                    ? Optional.empty()
                    : connection.getInetAddress().flatMap(front::certificate);
            if (certificate.isEmpty()) {
                out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "not a relayed TLS connection");
                return;
            }
        } else {
            certificate = connection.getClientTlsInformation().flatMap(ClientTlsInformation::getClientCertificate);
        }
        if (certificate.isEmpty() || config.tls() == null) {
            out.authenticateSuccessfully();
            return;
        }
        String id = Pem.certificateId(certificate.get());
        String clientId = in.getClientInformation().getClientId();
        Registry.ConnectionGrant grant = config.tls().identities().grant(id, clientId);
        if (grant == null || !grant.active()) {
            out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "certificate is not ACTIVE");
            return;
        }
        if (!grant.allows("iot:Connect", grant.context().arn("client", clientId))) {
            out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "not authorized to connect as " + clientId);
            return;
        }
        String token = Ids.hex(16);
        connection.getConnectionAttributeStore().putAsString(CONNECTION_ATTRIBUTE, token);
        tls.add(new TlsConnections.Connection(
                token,
                id,
                clientId,
                connection.getMqttVersion() == MqttVersion.V_5,
                grant,
                limits == null ? 0 : limits.publishesPerConnectionPerSecond()));
        out.authenticateSuccessfully();
    }

    private static byte[] bytes(Optional<ByteBuffer> payload) {
        if (payload.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer buffer = payload.get().asReadOnlyBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    static String configXml(BrokerConfig config, int port, int tlsPort, int relayPort) {
        String tls = tlsPort < 0
                ? ""
                : """
                    <tls-tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                      <tls>
                        <keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore>
                        <truststore><path>%s</path><password>%s</password></truststore>
                        <client-authentication-mode>REQUIRED</client-authentication-mode>
                      </tls>
                    </tls-tcp-listener>
                """.formatted(
                                tlsPort,
                                config.bindAddress(),
                                config.tls().keyStore().toAbsolutePath(),
                                config.tls().password(),
                                config.tls().password(),
                                config.tls().trustStore().toAbsolutePath(),
                                config.tls().password());
        String relay = relayPort < 0 ? "" : """
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                      <name>%s</name>
                    </tcp-listener>
                """.formatted(relayPort, RELAY_ADDRESS, RELAY_LISTENER);
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <hivemq>
                  <listeners>
                %s%s%s  </listeners>
                  <mqtt>
                    <packets><max-packet-size>%d</max-packet-size></packets>
                    <queued-messages><max-queue-size>1000</max-queue-size></queued-messages>
                  </mqtt>
                  <restrictions><max-connections>-1</max-connections></restrictions>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """;
        String plain = port < 0 ? "" : """
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                    </tcp-listener>
                """.formatted(port, config.bindAddress());
        return String.format(xml, plain, tls, relay, config.maxPacketSize());
    }
}

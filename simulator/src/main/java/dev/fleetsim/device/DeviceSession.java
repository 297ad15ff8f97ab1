package dev.fleetsim.device;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.MqttVersion;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.reactivex.schedulers.Schedulers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A device's MQTT session with the HiveMQ client, MQTT 5 or 3.1.1 as configured, on the fleet's shared Netty group: a
 * fresh client for every connection (when a clean session ends, the client completes its publish flow, so a reused
 * client would receive nothing after reconnecting; a reboot is a new process anyway), the Jobs subscriptions, publishes
 * at the configured QoS. Messages and drops of the current client reach the device on its loop; those of an older
 * client are ignored. A SUBACK that refuses any filter fails the subscription, in both versions.
 *
 * <p>Loop-confined: call it on the device's loop.
 */
final class DeviceSession {
    private final String thingName;
    private final EventLoop loop;
    private final EventLoopGroup nettyGroup;
    private final DeviceConfig config;
    private final MessageHandler onMessage;
    private final Runnable onLost;
    private final DeviceListener listener;
    private Link client;
    /** Bumped for every new client; events of older clients are ignored. */
    private int generation;
    /** The device's own certificate after a rotation; replaces the fleet's per-thing TLS settings. */
    private MqttClientSslConfig rotatedTls;

    DeviceSession(
            String thingName,
            EventLoop loop,
            EventLoopGroup nettyGroup,
            DeviceConfig config,
            MessageHandler onMessage,
            Runnable onLost,
            DeviceListener listener) {
        this.thingName = thingName;
        this.loop = loop;
        this.nettyGroup = nettyGroup;
        this.config = config;
        this.onMessage = onMessage;
        this.onLost = onLost;
        this.listener = listener;
        this.client = newClient();
    }

    /** What the device does with a message on one of its subscriptions. */
    @FunctionalInterface
    interface MessageHandler {
        void onMessage(String topic, byte[] payload);
    }

    private Link newClient() {
        int mine = ++generation;
        MqttClientBuilder builder = MqttClient.builder()
                .identifier(thingName)
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(nettyGroup)
                        // The client's completions come straight to the device's loop (its task queue is lock-free),
                        // not through RxJava's computation pool, whose queue lock a loop would contend for.
                        .applicationScheduler(Schedulers.from(loop))
                        .build());
        MqttClientSslConfig tls = tls();
        builder = tls == null
                ? builder.transportConfig(plainTransport(config.host(), config.port(), config.localAddress()))
                : builder.transportConfig(transport(config.host(), config.port(), config.localAddress())
                        .sslConfig(tls)
                        .build());
        builder = builder.addDisconnectedListener(context -> EventLoops.executeUnlessStopping(loop, () -> {
            if (mine == generation) {
                onLost.run();
            }
        }));
        MessageHandler current = (topic, payload) -> {
            if (mine == generation) {
                listener.messageReceived(thingName, topic, payload, System.nanoTime());
                onMessage.onMessage(topic, payload);
            }
        };
        return config.mqttVersion() == MqttVersion.MQTT_3_1_1
                ? new V3(builder.useMqttVersion3().buildAsync(), current, loop)
                : new V5(builder.useMqttVersion5().buildAsync(), current, loop);
    }

    /**
     * Plain-MQTT transport settings by endpoint and source address, made once and shared by every device that uses them
     * (a device with TLS has its own: its own key). Immutable; a process sees a handful of endpoints.
     */
    private static final ConcurrentMap<List<Object>, MqttClientTransportConfig> PLAIN_TRANSPORTS =
            new ConcurrentHashMap<>();

    private static MqttClientTransportConfig plainTransport(String host, int port, InetAddress localAddress) {
        return PLAIN_TRANSPORTS.computeIfAbsent(
                Arrays.asList(host, port, localAddress),
                k -> transport(host, port, localAddress).build());
    }

    private static MqttClientTransportConfigBuilder transport(String host, int port, InetAddress localAddress) {
        MqttClientTransportConfigBuilder b =
                MqttClientTransportConfig.builder().serverHost(host).serverPort(port);
        return localAddress == null ? b : b.localAddress(new InetSocketAddress(localAddress, 0));
    }

    /**
     * Connects a fresh client (the first connect uses the one built with the session); completes on the loop with
     * whether the broker kept a session.
     */
    CompletableFuture<Boolean> connect(boolean fresh, boolean cleanStart) {
        assert loop.inEventLoop();
        if (fresh) {
            client = newClient();
        }
        int mine = generation;
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        client.connect(cleanStart, config.cleanSession() ? 0 : SESSION_EXPIRY_SECONDS, (int)
                        config.keepAlive().toSeconds())
                .whenCompleteAsync(
                        (sessionPresent, error) -> {
                            if (mine != generation) {
                                done.cancel(false); // superseded by a newer client
                            } else if (error != null) {
                                done.completeExceptionally(error);
                            } else {
                                done.complete(sessionPresent);
                            }
                        },
                        loop);
        return done;
    }

    /** How long an MQTT 5 broker keeps a persistent session after a drop (3.1.1 has no expiry: the broker decides). */
    private static final int SESSION_EXPIRY_SECONDS = 3600;

    /** The Jobs topics of the thing: notify-next and the answers of describe, update and start-next. */
    CompletableFuture<Void> subscribeJobs() {
        assert loop.inEventLoop();
        String p = JobsTopic.prefix(thingName);
        return subscribe(List.of(p + "/notify-next", p + "/+/get/+", p + "/+/update/+", p + "/start-next/+"));
    }

    /** Subscriptions at the configured QoS (1 by default); completes on the loop, exceptionally if any is refused. */
    CompletableFuture<Void> subscribe(List<String> filters) {
        assert loop.inEventLoop();
        return client.subscribe(filters, config.qos()).whenCompleteAsync((ack, error) -> {}, loop);
    }

    void publish(String topic, byte[] payload) {
        assert loop.inEventLoop();
        listener.messageSent(thingName, topic, payload, System.nanoTime());
        client.publish(topic, payload, config.qos());
    }

    boolean isConnected() {
        return client.isConnected();
    }

    /** Disconnects the current client; completes on the loop. */
    CompletableFuture<Void> disconnect() {
        assert loop.inEventLoop();
        return client.disconnect().whenCompleteAsync((v, e) -> {}, loop);
    }

    /** From the next connection on, the device presents its own certificate (after a rotation). */
    void useCertificate(MqttClientSslConfig tls) {
        assert loop.inEventLoop();
        this.rotatedTls = tls;
    }

    /** The TLS settings in use, or null for plain MQTT. */
    MqttClientSslConfig tls() {
        return rotatedTls != null
                ? rotatedTls
                : config.tls() == null ? null : config.tls().forThing(thingName);
    }

    /** One client of either MQTT version, seen through what the device needs of it. */
    private sealed interface Link permits V5, V3 {
        /** Completes with the CONNACK's session-present flag. */
        CompletableFuture<Boolean> connect(boolean cleanStart, int sessionExpirySeconds, int keepAliveSeconds);

        CompletableFuture<Void> subscribe(List<String> filters, MqttQos qos);

        void publish(String topic, byte[] payload, MqttQos qos);

        CompletableFuture<Void> disconnect();

        boolean isConnected();
    }

    /*
     * Both links take every incoming publish (MqttGlobalPublishFilter.ALL), not only those matching this client's own
     * subscriptions: a device in a new process (a restarted shard) that connects to its persistent session gets the
     * broker's subscriptions back without subscribing again, and their messages (queued notifications, answers) must
     * reach it.
     */
    private record V5(Mqtt5AsyncClient client) implements Link {
        V5(Mqtt5AsyncClient client, MessageHandler handler, EventLoop loop) {
            this(client);
            client.publishes(
                    MqttGlobalPublishFilter.ALL,
                    p -> handler.onMessage(p.getTopic().toString(), p.getPayloadAsBytes()),
                    loop);
        }

        @Override
        public CompletableFuture<Boolean> connect(boolean cleanStart, int sessionExpirySeconds, int keepAliveSeconds) {
            return client.connectWith()
                    .cleanStart(cleanStart)
                    .sessionExpiryInterval(sessionExpirySeconds)
                    .keepAlive(keepAliveSeconds)
                    // No outgoing topic aliases, as the AWS IoT Device SDKs' default (OutboundTopicAliasBehaviorType
                    // Default = Disabled): the HiveMQ client would otherwise map topics to aliases for every
                    // connection whose broker grants them (mosquitto and IoT Core do), about 200 bytes a device.
                    .restrictions()
                    .sendTopicAliasMaximum(0)
                    .applyRestrictions()
                    .send()
                    .thenApply(ack -> ack.isSessionPresent());
        }

        @Override
        public CompletableFuture<Void> subscribe(List<String> filters, MqttQos qos) {
            Mqtt5SubscribeBuilder.Complete complete = Mqtt5Subscribe.builder()
                    .addSubscription()
                    .topicFilter(filters.get(0))
                    .qos(qos)
                    .applySubscription();
            for (String filter : filters.subList(1, filters.size())) {
                complete =
                        complete.addSubscription().topicFilter(filter).qos(qos).applySubscription();
            }
            return client.subscribe(complete.build()).thenAccept(ack -> {
                for (Mqtt5SubAckReasonCode code : ack.getReasonCodes()) {
                    if (code.isError()) {
                        throw new IllegalStateException("subscription refused: " + code);
                    }
                }
            });
        }

        @Override
        public void publish(String topic, byte[] payload, MqttQos qos) {
            client.publishWith().topic(topic).qos(qos).payload(payload).send();
        }

        @Override
        public CompletableFuture<Void> disconnect() {
            return client.disconnect();
        }

        @Override
        public boolean isConnected() {
            return client.getState().isConnectedOrReconnect();
        }
    }

    private record V3(Mqtt3AsyncClient client) implements Link {
        V3(Mqtt3AsyncClient client, MessageHandler handler, EventLoop loop) {
            this(client);
            client.publishes(
                    MqttGlobalPublishFilter.ALL,
                    p -> handler.onMessage(p.getTopic().toString(), p.getPayloadAsBytes()),
                    loop);
        }

        /** MQTT 3.1.1 has no session expiry: a persistent session is {@code cleanSession=false}, kept by the broker. */
        @Override
        public CompletableFuture<Boolean> connect(boolean cleanStart, int sessionExpirySeconds, int keepAliveSeconds) {
            return client.connectWith()
                    .cleanSession(cleanStart)
                    .keepAlive(keepAliveSeconds)
                    .send()
                    .thenApply(ack -> ack.isSessionPresent());
        }

        @Override
        public CompletableFuture<Void> subscribe(List<String> filters, MqttQos qos) {
            Mqtt3SubscribeBuilder.Complete complete = Mqtt3Subscribe.builder()
                    .addSubscription()
                    .topicFilter(filters.get(0))
                    .qos(qos)
                    .applySubscription();
            for (String filter : filters.subList(1, filters.size())) {
                complete =
                        complete.addSubscription().topicFilter(filter).qos(qos).applySubscription();
            }
            return client.subscribe(complete.build()).thenAccept(ack -> {
                if (ack.getReturnCodes().contains(Mqtt3SubAckReturnCode.FAILURE)) {
                    throw new IllegalStateException("subscription refused: " + ack.getReturnCodes());
                }
            });
        }

        @Override
        public void publish(String topic, byte[] payload, MqttQos qos) {
            client.publishWith().topic(topic).qos(qos).payload(payload).send();
        }

        @Override
        public CompletableFuture<Void> disconnect() {
            return client.disconnect();
        }

        @Override
        public boolean isConnected() {
            return client.getState().isConnectedOrReconnect();
        }
    }
}

package dev.fleetsim.device;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.fleetsim.jobs.JobsTopic;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.reactivex.schedulers.Schedulers;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A device's MQTT 5 session with the HiveMQ client, on the fleet's shared Netty group: a fresh client for every
 * connection (when a clean session ends, the client completes its publish flow, so a reused client would receive
 * nothing after reconnecting; a reboot is a new process anyway), the Jobs subscriptions, QoS 1 publishes (the configured QoS). Messages and
 * drops of the current client reach the device on its loop; those of an older client are ignored.
 *
 * <p>Loop-confined: call it on the device's loop.
 */
final class DeviceSession {
    private final String thingName;
    private final EventLoop loop;
    private final EventLoopGroup nettyGroup;
    private final DeviceConfig config;
    private final Consumer<Mqtt5Publish> onMessage;
    private final Runnable onLost;
    private Mqtt5AsyncClient client;
    /** Bumped for every new client; events of older clients are ignored. */
    private int generation;
    /** The device's own certificate after a rotation; replaces the fleet's per-thing TLS settings. */
    private MqttClientSslConfig rotatedTls;

    DeviceSession(
            String thingName,
            EventLoop loop,
            EventLoopGroup nettyGroup,
            DeviceConfig config,
            Consumer<Mqtt5Publish> onMessage,
            Runnable onLost) {
        this.thingName = thingName;
        this.loop = loop;
        this.nettyGroup = nettyGroup;
        this.config = config;
        this.onMessage = onMessage;
        this.onLost = onLost;
        this.client = newClient();
    }

    private Mqtt5AsyncClient newClient() {
        int mine = ++generation;
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(thingName)
                .serverHost(config.host())
                .serverPort(config.port())
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(nettyGroup)
                        // The client's completions come straight to the device's loop (its task queue is lock-free),
                        // not through RxJava's computation pool, whose queue lock a loop would contend for.
                        .applicationScheduler(Schedulers.from(loop))
                        .build());
        if (rotatedTls != null) {
            builder = builder.sslConfig(rotatedTls);
        } else if (config.tls() != null) {
            builder = builder.sslConfig(config.tls().forThing(thingName));
        }
        if (config.localAddress() != null) {
            builder = builder.transportConfig()
                    .serverHost(config.host())
                    .serverPort(config.port())
                    .localAddress(new InetSocketAddress(config.localAddress(), 0))
                    .applyTransportConfig();
        }
        builder = builder.addDisconnectedListener(context -> loop.execute(() -> {
            if (mine == generation) {
                onLost.run();
            }
        }));
        Mqtt5AsyncClient c = builder.buildAsync();
        c.publishes(
                MqttGlobalPublishFilter.SUBSCRIBED,
                publish -> {
                    if (mine == generation) {
                        onMessage.accept(publish);
                    }
                },
                loop);
        return c;
    }

    /** Connects a fresh client (the first connect uses the one built with the session); completes on the loop. */
    CompletableFuture<Mqtt5ConnAck> connect(boolean fresh, boolean cleanStart) {
        assert loop.inEventLoop();
        if (fresh) {
            client = newClient();
        }
        int mine = generation;
        CompletableFuture<Mqtt5ConnAck> done = new CompletableFuture<>();
        client.connectWith()
                .cleanStart(cleanStart)
                .sessionExpiryInterval(config.cleanSession() ? 0 : 3600)
                .keepAlive((int) config.keepAlive().toSeconds())
                .send()
                .whenCompleteAsync(
                        (ack, error) -> {
                            if (mine != generation) {
                                done.cancel(false); // superseded by a newer client
                            } else if (error != null) {
                                done.completeExceptionally(error);
                            } else {
                                done.complete(ack);
                            }
                        },
                        loop);
        return done;
    }

    /** The Jobs topics of the thing: notify-next and the answers of describe, update and start-next. */
    CompletableFuture<Mqtt5SubAck> subscribeJobs() {
        assert loop.inEventLoop();
        String p = JobsTopic.prefix(thingName);
        return subscribe(List.of(p + "/notify-next", p + "/+/get/+", p + "/+/update/+", p + "/start-next/+"));
    }

    /** Subscriptions at the configured QoS (1 by default); completes on the loop. */
    CompletableFuture<Mqtt5SubAck> subscribe(List<String> filters) {
        assert loop.inEventLoop();
        Mqtt5SubscribeBuilder.Complete complete = Mqtt5Subscribe.builder()
                .addSubscription()
                .topicFilter(filters.get(0))
                .qos(config.qos())
                .applySubscription();
        for (String filter : filters.subList(1, filters.size())) {
            complete = complete.addSubscription()
                    .topicFilter(filter)
                    .qos(config.qos())
                    .applySubscription();
        }
        return client.subscribe(complete.build()).whenCompleteAsync((ack, error) -> {}, loop);
    }

    void publish(String topic, byte[] payload) {
        assert loop.inEventLoop();
        client.publishWith().topic(topic).qos(config.qos()).payload(payload).send();
    }

    boolean isConnected() {
        return client.getState().isConnectedOrReconnect();
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
}

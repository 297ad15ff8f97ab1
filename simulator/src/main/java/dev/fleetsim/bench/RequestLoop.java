package dev.fleetsim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * One benchmark device's closed loop over MQTT: publish a request, wait for any message back (the answer), count it,
 * publish the next, so each device keeps exactly one request in flight. All callbacks run on its event loop.
 */
final class RequestLoop {
    /** A request: its topic and payload. */
    record Request(String topic, String payload) {}

    private final EventLoop loop;
    private final MqttQos qos;
    private final Mqtt5AsyncClient client;
    private final List<String> subscriptions;
    private LongFunction<Request> requests;
    private LongAdder completed;
    private AtomicBoolean running;
    private long sequence;

    RequestLoop(String clientId, EventLoop loop, EventLoopGroup group, int port, List<String> subscriptions) {
        this(clientId, loop, group, port, subscriptions, MqttQos.AT_MOST_ONCE);
    }

    /** With requests and subscriptions at {@code qos}. */
    RequestLoop(
            String clientId, EventLoop loop, EventLoopGroup group, int port, List<String> subscriptions, MqttQos qos) {
        this.qos = qos;
        this.loop = loop;
        this.subscriptions = subscriptions;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .executorConfig(
                        MqttClientExecutorConfig.builder().nettyExecutor(group).build())
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> next(), loop);
    }

    /** Connects and subscribes to the answer topics. */
    CompletableFuture<?> connect() {
        Mqtt5Subscribe subscribe = Mqtt5Subscribe.builder()
                .addSubscriptions(subscriptions.stream()
                        .map(filter -> Mqtt5Subscription.builder()
                                .topicFilter(filter)
                                .qos(qos)
                                .build()))
                .build();
        return client.connect().thenCompose(ack -> client.subscribe(subscribe));
    }

    /** Starts the loop with {@code requests(n)} as the n-th request; counts answers into {@code counter}. */
    void start(LongFunction<Request> requests, LongAdder counter, AtomicBoolean flag) {
        loop.execute(() -> {
            this.requests = requests;
            this.completed = counter;
            this.running = flag;
            send();
        });
    }

    private void next() {
        if (completed == null) {
            return;
        }
        completed.increment();
        if (running.get()) {
            send();
        }
    }

    private void send() {
        Request r = requests.apply(++sequence);
        client.publishWith()
                .topic(r.topic())
                .qos(qos)
                .payload(r.payload().getBytes(StandardCharsets.UTF_8))
                .send();
    }

    CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }
}

package dev.fleetsim.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import dev.fleetsim.jobs.JobsJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A raw MQTT 5 device for protocol tests: publishes requests, collects everything it receives, in order. */
public final class TestDevice implements AutoCloseable {
    /** One received message. */
    public record Received(String topic, JsonNode json) {}

    private final String thingName;
    private final Mqtt5AsyncClient client;
    private final List<Received> received = new ArrayList<>();

    private TestDevice(String thingName, Mqtt5AsyncClient client) {
        this.thingName = thingName;
        this.client = client;
    }

    public static TestDevice connect(String thingName, int port) throws Exception {
        return connect(thingName, port, null);
    }

    public static TestDevice connect(String thingName, int port, MqttClientSslConfig ssl) throws Exception {
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(thingName)
                .serverHost("127.0.0.1")
                .serverPort(port);
        if (ssl != null) {
            builder = builder.sslConfig(ssl);
        }
        TestDevice device = new TestDevice(thingName, builder.buildAsync());
        device.client.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> device.add(new Received(
                        p.getTopic().toString(),
                        JobsJson.readTree(
                                p.getPayload().isPresent()
                                        ? new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)
                                        : "{}"))));
        device.client.connect().get(10, TimeUnit.SECONDS);
        return device;
    }

    private synchronized void add(Received message) {
        received.add(message);
        notifyAll();
    }

    public Mqtt5AsyncClient client() {
        return client;
    }

    public void subscribe(String suffix) throws Exception {
        client.subscribeWith()
                .topicFilter("$aws/things/" + thingName + "/jobs/" + suffix)
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    /** Publishes to {@code $aws/things/<thing>/jobs/<suffix>}. */
    public void publish(String suffix, String payload) throws Exception {
        publishTo("$aws/things/" + thingName + "/jobs/" + suffix, payload);
    }

    public void publishTo(String topic, String payload) throws Exception {
        client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    /** Waits for and removes the first message whose topic ends with {@code suffix}. */
    public synchronized Received await(String suffix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < received.size(); i++) {
                if (received.get(i).topic().endsWith(suffix)) {
                    return received.remove(i);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no message on ..." + suffix + " within " + timeout + "; got " + received);
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    public Received await(String suffix) throws InterruptedException {
        return await(suffix, Duration.ofSeconds(10));
    }

    /** Everything received and not yet taken, after waiting {@code quiet} for stragglers. */
    public synchronized List<Received> drain(Duration quiet) throws InterruptedException {
        wait(quiet.toMillis());
        List<Received> copy = List.copyOf(received);
        received.clear();
        return copy;
    }

    @Override
    public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        if (client.getState().isConnected()) {
            try {
                client.disconnect().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

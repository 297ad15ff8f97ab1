package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttVersion;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.fleetsim.bench.Mosquitto;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.RecordingDeviceListener;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The device agent against a scripted Jobs service on a plain broker (Debian's mosquitto): the script answers each
 * request as a test needs, including the rejections the local service only gives in rare races (spec §2.8), so every
 * branch of the agent's state machine is driven on purpose over real MQTT.
 */
class ScriptedServiceIT {
    private static Mosquitto broker;
    private static EventLoopGroup group;

    private final RecordingDeviceListener events = new RecordingDeviceListener();
    private final List<VirtualDevice> devices = new ArrayList<>();
    private Mqtt5AsyncClient service;
    /** Every request the device published, as "jobId/operation status" lines, e.g. "j1/update IN_PROGRESS". */
    private final List<String> requests = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Mosquitto.available(), "Debian's mosquitto is not installed (apt-get install mosquitto)");
        broker = Mosquitto.startLogged();
        group = EventLoops.create(1, "scripted");
    }

    @AfterAll
    static void stop() {
        if (broker == null) {
            return;
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        broker.close();
    }

    @AfterEach
    void stopDevices() {
        devices.forEach(d -> d.stop().join());
        if (service != null) {
            service.disconnect().join();
        }
    }

    /** The answer to one request: (topic, payload), or null for silence. */
    private record Answer(String topic, String payload) {}

    /** A scripted service: {@code script} sees (topic of the request, its JSON) and returns the answers to publish. */
    private void serve(BiFunction<String, JsonNode, List<Answer>> script) throws Exception {
        service = MqttClient.builder()
                .useMqttVersion5()
                .identifier("scripted-service")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        service.connect().get(10, TimeUnit.SECONDS);
        service.subscribeWith()
                .topicFilter("$aws/things/+/jobs/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> onRequest(publish, script))
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    private void onRequest(Mqtt5Publish publish, BiFunction<String, JsonNode, List<Answer>> script) {
        String topic = publish.getTopic().toString();
        if (topic.endsWith("/accepted") || topic.endsWith("/rejected") || topic.endsWith("/notify-next")) {
            return; // our own answers
        }
        String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
        JsonNode json = payload.isEmpty() ? JobsJson.mapper().createObjectNode() : JobsJson.readTree(payload);
        String[] parts = topic.split("/");
        synchronized (requests) {
            requests.add(parts[4] + "/" + parts[5]
                    + (json.has("status") ? " " + json.get("status").asText() : ""));
            requests.notifyAll();
        }
        for (Answer answer : script.apply(topic, json)) {
            service.publishWith()
                    .topic(answer.topic())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(answer.payload().getBytes(StandardCharsets.UTF_8))
                    .send();
        }
    }

    private long count(String request) {
        synchronized (requests) {
            return requests.stream().filter(request::equals).count();
        }
    }

    private void awaitRequests(String request, long times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        synchronized (requests) {
            while (count(request) < times && System.nanoTime() < deadline) {
                requests.wait(100);
            }
            assertThat(count(request)).as("%s in %s", request, requests).isGreaterThanOrEqualTo(times);
        }
    }

    private VirtualDevice device(String thing) throws Exception {
        return device(thing, MqttVersion.MQTT_5_0, true);
    }

    private VirtualDevice device(String thing, MqttVersion version, boolean cleanSession) throws Exception {
        Behaviour behaviour = new Behaviour(
                "test",
                1,
                0,
                0,
                0,
                Distribution.fixed(Duration.ofMillis(10)),
                Distribution.fixed(Duration.ofMillis(200)),
                0,
                0,
                Distribution.fixed(Duration.ofMillis(100)));
        DeviceConfig config = DeviceConfig.simple("127.0.0.1", broker.port(), Duration.ZERO)
                .withBehaviour(behaviour, 1)
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(400))
                .toBuilder()
                .mqttVersion(version)
                .cleanSession(cleanSession)
                .keepAlive(Duration.ofSeconds(45))
                .build();
        VirtualDevice device = new VirtualDevice(thing, group.next(), group, config, events);
        devices.add(device);
        device.start();
        return device;
    }

    // ------------------------------------------------------------------ the service's messages (spec §2, §3.7)

    private static ObjectNode execution(String thing, String jobId, String status, int version) {
        ObjectNode e = JobsJson.mapper().createObjectNode();
        e.put("jobId", jobId);
        e.put("thingName", thing);
        e.put("status", status);
        e.put("queuedAt", 1_700_000_000);
        e.put("lastUpdatedAt", 1_700_000_000);
        e.put("versionNumber", version);
        e.put("executionNumber", 1);
        e.set("jobDocument", JobsJson.readTree("{\"operation\":\"install\",\"version\":\"2\"}"));
        return e;
    }

    private static Answer accepted(String requestTopic, JsonNode request, String field, JsonNode value) {
        ObjectNode body = JobsJson.mapper().createObjectNode();
        if (value != null) {
            body.set(field, value);
        }
        body.put("timestamp", 1_700_000_001);
        if (request.has("clientToken")) {
            body.set("clientToken", request.get("clientToken"));
        }
        return new Answer(requestTopic + "/accepted", body.toString());
    }

    private static Answer rejected(String requestTopic, JsonNode request, String code) {
        ObjectNode body = JobsJson.mapper().createObjectNode();
        body.put("code", code);
        body.put("message", "scripted " + code);
        body.put("timestamp", 1_700_000_001);
        if (request.has("clientToken")) {
            body.set("clientToken", request.get("clientToken"));
        }
        return new Answer(requestTopic + "/rejected", body.toString());
    }

    private static Answer notifyNext(String thing, JsonNode execution) {
        ObjectNode body = JobsJson.mapper().createObjectNode();
        if (execution != null) {
            body.set("execution", execution);
        }
        body.put("timestamp", 1_700_000_001);
        return new Answer("$aws/things/" + thing + "/jobs/notify-next", body.toString());
    }

    /**
     * A well-behaved service for one QUEUED execution of "j1": answers {@code $next/get} with it (once; then with
     * nothing) and accepts updates, except where {@code override} answers first.
     */
    private BiFunction<String, JsonNode, List<Answer>> oneJob(
            String thing, BiFunction<String, JsonNode, List<Answer>> override) {
        int[] asks = {0};
        return (topic, json) -> {
            List<Answer> special = override.apply(topic, json);
            if (special != null) {
                return special;
            }
            if (topic.endsWith("/$next/get")) {
                return List.of(accepted(
                        topic, json, "execution", asks[0]++ == 0 ? execution(thing, "j1", "QUEUED", 1) : null));
            }
            if (topic.endsWith("/j1/update")) {
                return List.of(accepted(topic, json, "executionState", null));
            }
            return List.of();
        };
    }

    // ------------------------------------------------------------------ tests

    @Test
    void theSameExecutionByNotifyNextAndByTheAnswerIsStartedOnce() throws Exception {
        String thing = "dup-1";
        serve(oneJob(thing, (topic, json) -> {
            if (topic.endsWith("/$next/get") && count("$next/get") == 1) {
                JsonNode e = execution(thing, "j1", "QUEUED", 1);
                // The service announces the same execution before and after answering the ask.
                return List.of(notifyNext(thing, e), accepted(topic, json, "execution", e), notifyNext(thing, e));
            }
            if (topic.endsWith("/j1/update")
                    && "SUCCEEDED".equals(json.path("status").asText())) {
                // A late notify-next still showing j1 arrives after the device finished it.
                return List.of(
                        accepted(topic, json, "executionState", null),
                        notifyNext(thing, execution(thing, "j1", "IN_PROGRESS", 2)));
            }
            return null;
        }));
        device(thing);

        awaitRequests("j1/update SUCCEEDED", 1);
        // Two duplicates: the second announcement around the answer, and the late one after SUCCEEDED. Once the
        // late one is ignored, nothing else can make the device start j1 again.
        events.awaitCount(thing + " duplicate j1#1", 2, 5_000);
        assertThat(count("j1/update IN_PROGRESS")).isEqualTo(1);
        assertThat(count("j1/update SUCCEEDED")).isEqualTo(1);
    }

    /**
     * The whole job over either MQTT version, with a clean or a persistent session: the broker's own log shows the
     * protocol level (mosquitto: p2 = 3.1.1, p5 = 5), the clean-session flag and the keep-alive the device sent.
     */
    @ParameterizedTest
    @CsvSource({"5, true, p5, c1", "3.1.1, true, p2, c1", "5, false, p5, c0", "3.1.1, false, p2, c0"})
    void aJobRunsOverEitherMqttVersionAsTheBrokerSees(
            String version, boolean clean, String protocolLevel, String cleanFlag) throws Exception {
        String thing = "v" + version.replace(".", "") + (clean ? "-clean" : "-kept");
        serve(oneJob(thing, (topic, json) -> null));
        device(thing, DeviceConfig.mqttVersion(version), clean);

        awaitRequests("j1/update SUCCEEDED", 1);
        assertThat(count("j1/update IN_PROGRESS")).isEqualTo(1);
        assertThat(broker.log()).contains("as " + thing + " (" + protocolLevel + ", " + cleanFlag + ", k45)");
    }

    @Test
    void internalErrorIsResentWithBackoffAndTheJobCompletes() throws Exception {
        String thing = "ie-1";
        serve(oneJob(thing, (topic, json) -> {
            if (topic.endsWith("/j1/update") && count("j1/update IN_PROGRESS") <= 2) {
                return List.of(rejected(topic, json, "InternalError"));
            }
            return null;
        }));
        device(thing);

        awaitRequests("j1/update SUCCEEDED", 1);
        assertThat(count("j1/update IN_PROGRESS")).isEqualTo(3);
        assertThat(events.count(thing + " rejected InternalError")).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"InvalidStateTransition", "TerminalStateReached", "ResourceNotFound"})
    void aServiceThatNoLongerTakesUpdatesMakesTheDeviceDropItsWorkAndAskAgain(String code) throws Exception {
        String thing = "drop-" + code;
        serve(oneJob(thing, (topic, json) -> {
            if (topic.endsWith("/j1/update")) {
                return List.of(rejected(topic, json, code));
            }
            if (topic.endsWith("/$next/get") && count("$next/get") == 2) {
                return List.of(accepted(topic, json, "execution", execution(thing, "j2", "QUEUED", 1)));
            }
            if (topic.endsWith("/j2/update")) {
                return List.of(accepted(topic, json, "executionState", null));
            }
            return null;
        }));
        device(thing);

        // j2 starts after j1 was dropped and takes as long to install: were j1's install still running, its
        // SUCCEEDED would come before j2's.
        awaitRequests("j2/update SUCCEEDED", 1);
        assertThat(count("j1/update IN_PROGRESS")).isEqualTo(1);
        assertThat(count("j1/update SUCCEEDED")).isZero();
        assertThat(events.events()).contains(thing + " canceled j1#1");
    }

    @Test
    void anAnswerThatNeverComesIsAskedForAgainWithAFreshToken() throws Exception {
        String thing = "silent-1";
        List<String> tokens = new ArrayList<>();
        serve(oneJob(thing, (topic, json) -> {
            if (topic.endsWith("/$next/get")) {
                synchronized (tokens) {
                    tokens.add(json.path("clientToken").asText());
                }
                if (count("$next/get") == 1) {
                    return List.of(); // the first answer is lost
                }
            }
            return null;
        }));
        Behaviour quick = Behaviour.alwaysSucceeds(Duration.ofMillis(10));
        VirtualDevice device = new VirtualDevice(
                thing,
                group.next(),
                group,
                DeviceConfig.simple("127.0.0.1", broker.port(), Duration.ZERO).toBuilder()
                        .behaviour(quick)
                        .answerTimeout(Duration.ofMillis(300))
                        .build(),
                events);
        devices.add(device);
        device.start();

        device.ready().get(10, TimeUnit.SECONDS);
        awaitRequests("j1/update SUCCEEDED", 1);
        assertThat(events.events()).contains(thing + " timed out DESCRIBE");
        synchronized (tokens) {
            assertThat(tokens).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
        }
    }

    @Test
    void versionMismatchWithoutStateIsRecoveredByDescribingTheExecution() throws Exception {
        String thing = "vm-2";
        serve(oneJob(thing, (topic, json) -> {
            if (topic.endsWith("/j1/update") && json.path("expectedVersion").asInt() == 2) {
                return List.of(rejected(topic, json, "VersionMismatch")); // the service is at version 5
            }
            if (topic.endsWith("/j1/get")) {
                return List.of(accepted(topic, json, "execution", execution(thing, "j1", "IN_PROGRESS", 5)));
            }
            return null;
        }));
        device(thing);

        awaitRequests("j1/update SUCCEEDED", 2); // rejected at version 2, then resent at version 5
        assertThat(count("j1/get")).isEqualTo(1);
        synchronized (requests) {
            assertThat(requests).containsSubsequence("j1/update SUCCEEDED", "j1/get", "j1/update SUCCEEDED");
        }
    }
}

package dev.fleetsim.local.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.CreateJobSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Jobs device API through the real embedded broker, with the HiveMQ client as device (MQTT 5 and 3.1.1). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeviceApiOverMqttIT {
    private static LocalStack stack;

    record Received(String topic, JsonNode json) {}

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral()).get(30, TimeUnit.SECONDS);
        stack.jobs().registerThings(List.of("t1", "t2", "t3")).get(5, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @Test
    void answersReachTheRequesterWithoutASubscriptionAndNobodyElse() throws Exception {
        BlockingQueue<Received> device = new LinkedBlockingQueue<>();
        BlockingQueue<Received> spy = new LinkedBlockingQueue<>();
        Mqtt5AsyncClient deviceClient = connect5("t1", device);
        Mqtt5AsyncClient spyClient = connect5("spy", spy);
        spyClient
                .subscribeWith()
                .topicFilter("$aws/things/t1/jobs/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get();

        publish(deviceClient, "$aws/things/t1/jobs/$next/get", "{\"clientToken\":\"first\"}");

        Received answer = device.poll(10, TimeUnit.SECONDS);
        assertThat(answer).isNotNull();
        assertThat(answer.topic()).isEqualTo("$aws/things/t1/jobs/$next/get/accepted");
        assertThat(answer.json().get("clientToken").textValue()).isEqualTo("first");
        assertThat(answer.json().has("execution")).isFalse();

        stack.jobs()
                .createJob(new CreateJobSpec("j-over-mqtt", List.of("t1"), "{\"op\":\"x\"}", null))
                .get();
        Received notify = spy.poll(10, TimeUnit.SECONDS);
        Received notifyNext = spy.poll(10, TimeUnit.SECONDS);
        assertThat(List.of(notify.topic(), notifyNext.topic()))
                .containsExactlyInAnyOrder("$aws/things/t1/jobs/notify", "$aws/things/t1/jobs/notify-next");

        publish(
                deviceClient,
                "$aws/things/t1/jobs/j-over-mqtt/update",
                "{\"status\":\"IN_PROGRESS\",\"clientToken\":\"u1\"}");
        Received updated = device.poll(10, TimeUnit.SECONDS);
        assertThat(updated.topic()).isEqualTo("$aws/things/t1/jobs/j-over-mqtt/update/accepted");
        assertThat(updated.json().get("clientToken").textValue()).isEqualTo("u1");

        assertThat(spy.poll(500, TimeUnit.MILLISECONDS))
                .as("the spy sees no answers")
                .isNull();
        assertThat(deviceClient.getState().isConnected()).isTrue();
        deviceClient.disconnect().get();
        spyClient.disconnect().get();
    }

    @Test
    void malformedRequestsAreRejectedAndTheConnectionStaysUsable() throws Exception {
        BlockingQueue<Received> device = new LinkedBlockingQueue<>();
        Mqtt5AsyncClient client = connect5("t2", device);

        publish(client, "$aws/things/t2/jobs/start-next", "{not json");
        Received rejected = device.poll(10, TimeUnit.SECONDS);
        assertThat(rejected.topic()).isEqualTo("$aws/things/t2/jobs/start-next/rejected");
        assertThat(rejected.json().get("code").textValue()).isEqualTo("InvalidJson");

        publish(client, "$aws/things/t2/jobs/bogus-op", "{\"clientToken\":\"b\"}");
        Received invalidTopic = device.poll(10, TimeUnit.SECONDS);
        assertThat(invalidTopic.topic()).isEqualTo("$aws/things/t2/jobs/bogus-op/rejected");
        assertThat(invalidTopic.json().get("code").textValue()).isEqualTo("InvalidTopic");
        assertThat(invalidTopic.json().get("clientToken").textValue()).isEqualTo("b");

        publish(client, "$aws/things/t2/jobs/start-next", "");
        Received accepted = device.poll(10, TimeUnit.SECONDS);
        assertThat(accepted.topic()).isEqualTo("$aws/things/t2/jobs/start-next/accepted");
        assertThat(client.getState().isConnected()).isTrue();
        client.disconnect().get();

        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(stack.controlPlaneEndpoint() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("fleetsim_local_device_requests_total{operation=\"START_NEXT\",result=\"InvalidJson\"} 1.0")
                .contains("fleetsim_local_device_requests_total{operation=\"INVALID\",result=\"InvalidTopic\"} 1.0")
                .contains("fleetsim_local_device_requests_total{operation=\"START_NEXT\",result=\"accepted\"} 1.0")
                .contains("fleetsim_local_jobs{status=\"IN_PROGRESS\"}");
    }

    @Test
    void mqtt311DevicesUseTheSameApi() throws Exception {
        BlockingQueue<Received> device = new LinkedBlockingQueue<>();
        Mqtt3AsyncClient client = MqttClient.builder()
                .useMqttVersion3()
                .identifier("t3")
                .serverHost("127.0.0.1")
                .serverPort(stack.mqttPort())
                .buildAsync();
        client.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> device.add(new Received(
                        p.getTopic().toString(),
                        JobsJson.readTree(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))));
        client.connect().get(10, TimeUnit.SECONDS);
        client.subscribeWith()
                .topicFilter("$aws/things/t3/jobs/get/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get();

        client.publishWith()
                .topic("$aws/things/t3/jobs/get")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"clientToken\":\"v3\"}".getBytes(StandardCharsets.UTF_8))
                .send()
                .get();

        Received answer = device.poll(10, TimeUnit.SECONDS);
        assertThat(answer.topic()).isEqualTo("$aws/things/t3/jobs/get/accepted");
        assertThat(answer.json().get("queuedJobs").isArray()).isTrue();
        assertThat(answer.json().get("inProgressJobs").isArray()).isTrue();
        client.disconnect().get();
    }

    private static Mqtt5AsyncClient connect5(String id, BlockingQueue<Received> sink) throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(stack.mqttPort())
                .buildAsync();
        client.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> sink.add(new Received(
                        p.getTopic().toString(),
                        JobsJson.readTree(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))));
        client.connect().get(10, TimeUnit.SECONDS);
        return client;
    }

    private static void publish(Mqtt5AsyncClient client, String topic, String payload) throws Exception {
        client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send()
                .get(10, TimeUnit.SECONDS);
    }
}

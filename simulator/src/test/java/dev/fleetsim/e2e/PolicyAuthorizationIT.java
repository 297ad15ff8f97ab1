package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.RegisteredThing;
import dev.fleetsim.testing.TestDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.DeleteConflictException;
import software.amazon.awssdk.services.iot.model.MalformedPolicyException;
import software.amazon.awssdk.services.iot.model.Policy;

/**
 * The mTLS listener authorizes as IoT Core does, with IoT policies (the default device policy when none is
 * attached): no subscribing to another thing's topics or to {@code #}, no connecting with another thing's client id,
 * a certificate made INACTIVE or detached is disconnected at once, a policy that allows {@code iot:*} acts for anyone,
 * {@code iot:Receive} filters deliveries, and fleet provisioning mints certificates only for a device's own thing, over
 * TLS, a few a minute.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PolicyAuthorizationIT {
    @TempDir
    static Path dir;

    private static LocalStack stack;
    private static IotClient iot;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
    }

    @AfterAll
    static void stop() {
        iot.close();
        stack.close();
    }

    private static MqttClientSslConfig tls(RegisteredThing thing) throws Exception {
        return Pem.mtls(
                thing.keys().keyPair().privateKey(),
                thing.keys().certificatePem(),
                Pem.trust(Pem.certificate(Files.readString(stack.ca().caCertificateFile()))));
    }

    private static Mqtt5AsyncClient mqtt5(String clientId, MqttClientSslConfig tls) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(stack.mqttsPort())
                .sslConfig(tls)
                .buildAsync();
    }

    private static Mqtt5SubAckReasonCode subscribe(Mqtt5AsyncClient client, String filter) throws Exception {
        Mqtt5SubAck ack;
        try {
            ack = client.subscribeWith()
                    .topicFilter(filter)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send()
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof Mqtt5SubAckException refused)) {
                throw e;
            }
            ack = refused.getMqttMessage(); // the client reports a SUBACK of error codes only as an exception
        }
        return ack.getReasonCodes().get(0);
    }

    private static void awaitDisconnected(Mqtt5AsyncClient client) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.getState().isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(client.getState().isConnected()).as("disconnected").isFalse();
    }

    @Test
    void aDeviceSubscribesOnlyToItsOwnJobTopics() throws Exception {
        RegisteredThing a = RegisteredThing.register(iot, "pa-a", dir);
        RegisteredThing.register(iot, "pa-b", dir);
        Mqtt5AsyncClient client = mqtt5("pa-a", tls(a));
        client.connect().get(10, TimeUnit.SECONDS);
        try {
            assertThat(subscribe(client, "$aws/things/pa-a/jobs/notify-next"))
                    .isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            assertThat(subscribe(client, "$aws/things/pa-b/jobs/notify-next"))
                    .isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            assertThat(subscribe(client, "$aws/#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            assertThat(subscribe(client, "#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
        } finally {
            client.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anotherThingsClientIdIsRefusedAndItsSessionStaysWithIt() throws Exception {
        RegisteredThing a = RegisteredThing.register(iot, "pt-a", dir);
        RegisteredThing b = RegisteredThing.register(iot, "pt-b", dir);
        Mqtt5AsyncClient victim = mqtt5("pt-b", tls(b));
        victim.connect().get(10, TimeUnit.SECONDS);
        Mqtt5AsyncClient thief = mqtt5("pt-b", tls(a));

        assertThatThrownBy(() -> thief.connect().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(Mqtt5ConnAckException.class)
                .satisfies(e -> assertThat(((Mqtt5ConnAckException) e.getCause())
                                .getMqttMessage()
                                .getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        Thread.sleep(300);
        assertThat(victim.getState().isConnected()).isTrue();
        victim.disconnect().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCertificateMadeInactiveOrDetachedIsDisconnectedAtOnce() throws Exception {
        RegisteredThing a = RegisteredThing.register(iot, "pr-a", dir);
        Mqtt5AsyncClient client = mqtt5("pr-a", tls(a));
        client.connect().get(10, TimeUnit.SECONDS);
        iot.updateCertificate(r -> r.certificateId(a.keys().certificateId()).newStatus(CertificateStatus.INACTIVE));
        awaitDisconnected(client);
        assertThatThrownBy(() -> client.connect().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

        RegisteredThing b = RegisteredThing.register(iot, "pr-b", dir);
        Mqtt5AsyncClient other = mqtt5("pr-b", tls(b));
        other.connect().get(10, TimeUnit.SECONDS);
        iot.detachThingPrincipal(r -> r.thingName("pr-b").principal(b.keys().certificateArn()));
        awaitDisconnected(other);
    }

    @Test
    void policiesAreManagedThroughTheSdkAndDecideWhatAConnectionMayDo() throws Exception {
        RegisteredThing admin = RegisteredThing.register(iot, "pp-admin", dir);
        RegisteredThing.register(iot, "pp-device", dir);
        String everything = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:*\","
                + "\"Resource\":\"*\"}]}";
        assertThatThrownBy(() -> iot.createPolicy(r -> r.policyName("broken").policyDocument("{\"Statement\":5}")))
                .isInstanceOf(MalformedPolicyException.class);
        iot.createPolicy(r -> r.policyName("pp-all").policyDocument(everything));
        iot.attachPolicy(r -> r.policyName("pp-all").target(admin.keys().certificateArn()));
        assertThat(iot.listAttachedPolicies(r -> r.target(admin.keys().certificateArn()))
                        .policies())
                .extracting(Policy::policyName)
                .containsExactly("pp-all");
        assertThat(iot.getPolicy(r -> r.policyName("pp-all")).defaultVersionId())
                .isEqualTo("1");
        assertThatThrownBy(() -> iot.deletePolicy(r -> r.policyName("pp-all")))
                .isInstanceOf(DeleteConflictException.class);

        // iot:* on *: any client id, and it may act for any thing, as on IoT Core.
        try (TestDevice d = TestDevice.connect("pp-device", stack.mqttsPort(), tls(admin))) {
            d.publish("$next/get", "{\"clientToken\":\"as-other\"}");
            assertThat(d.await("$next/get/accepted").json().path("clientToken").asText())
                    .isEqualTo("as-other");
        }

        // A new default version that denies connecting: the live connection goes, and no new one comes in.
        Mqtt5AsyncClient live = mqtt5("pp-admin", tls(admin));
        live.connect().get(10, TimeUnit.SECONDS);
        iot.createPolicyVersion(r -> r.policyName("pp-all")
                .setAsDefault(true)
                .policyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                        + "\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}"));
        awaitDisconnected(live);
        assertThat(iot.listPolicyVersions(r -> r.policyName("pp-all")).policyVersions())
                .hasSize(2);
        iot.detachPolicy(r -> r.policyName("pp-all").target(admin.keys().certificateArn()));
        iot.deletePolicyVersion(r -> r.policyName("pp-all").policyVersionId("1"));
        iot.deletePolicy(r -> r.policyName("pp-all"));
    }

    @Test
    void receiveIsCheckedOnDelivery() throws Exception {
        RegisteredThing listener = RegisteredThing.register(iot, "pv-listener", dir);
        iot.createPolicy(r -> r.policyName("pv-policy")
                .policyDocument("{\"Version\":\"2012-10-17\",\"Statement\":["
                        + "{\"Effect\":\"Allow\",\"Action\":[\"iot:Connect\",\"iot:Subscribe\"],\"Resource\":\"*\"},"
                        + "{\"Effect\":\"Allow\",\"Action\":\"iot:Receive\","
                        + "\"Resource\":\"arn:aws:iot:us-east-1:000000000000:topic/data/allowed\"}]}"));
        iot.attachPolicy(r -> r.policyName("pv-policy").target(listener.keys().certificateArn()));
        try (TestDevice d = TestDevice.connect("pv-listener", stack.mqttsPort(), tls(listener));
                TestDevice sender = TestDevice.connect("pv-sender", stack.mqttPort())) {
            d.client()
                    .subscribeWith()
                    .topicFilter("data/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send()
                    .get(10, TimeUnit.SECONDS);
            sender.publishTo("data/denied", "{\"n\":1}");
            sender.publishTo("data/allowed", "{\"n\":2}");
            assertThat(d.await("data/allowed").json().path("n").asInt()).isEqualTo(2);
            assertThat(d.drain(Duration.ofMillis(300)))
                    .extracting(TestDevice.Received::topic)
                    .doesNotContain("data/denied");
        }
    }

    @Test
    void anUnauthorizedPublishClosesAnMqtt311Connection() throws Exception {
        RegisteredThing a = RegisteredThing.register(iot, "p3-a", dir);
        Mqtt3AsyncClient client = MqttClient.builder()
                .useMqttVersion3()
                .identifier("p3-a")
                .serverHost("127.0.0.1")
                .serverPort(stack.mqttsPort())
                .sslConfig(tls(a))
                .buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        client.publishWith()
                .topic("$aws/things/someone-else/jobs/get")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{}".getBytes(StandardCharsets.UTF_8))
                .send();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.getState().isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(client.getState().isConnected()).isFalse();
    }

    @Test
    void fleetProvisioningMintsCertificatesOnlyForTheDevicesOwnThingOverTls() throws Exception {
        RegisteredThing a = RegisteredThing.register(iot, "fp-a", dir);
        RegisteredThing.register(iot, "fp-b", dir);
        try (TestDevice plain = TestDevice.connect("fp-plain", stack.mqttPort())) {
            plain.publishTo("$aws/certificates/create/json", "{}");
            assertThat(plain.await("create/json/rejected")
                            .json()
                            .path("errorCode")
                            .asText())
                    .isEqualTo("AccessDenied");
        }
        try (TestDevice d = TestDevice.connect("fp-a", stack.mqttsPort(), tls(a))) {
            d.client()
                    .subscribeWith()
                    .topicFilter("$aws/certificates/create/json/+")
                    .send()
                    .get(10, TimeUnit.SECONDS);
            d.client()
                    .subscribeWith()
                    .topicFilter("$aws/provisioning-templates/fleetsim-rotation/provision/json/+")
                    .send()
                    .get(10, TimeUnit.SECONDS);
            d.publishTo("$aws/certificates/create/json", "{}");
            String token = d.await("create/json/accepted")
                    .json()
                    .path("certificateOwnershipToken")
                    .asText();
            // Another thing's name: refused, and the certificate stays unattached.
            d.publishTo(
                    "$aws/provisioning-templates/fleetsim-rotation/provision/json",
                    "{\"certificateOwnershipToken\":\"" + token + "\",\"parameters\":{\"ThingName\":\"fp-b\"}}");
            assertThat(d.await("provision/json/rejected")
                            .json()
                            .path("errorCode")
                            .asText())
                    .isEqualTo("AccessDenied");
            assertThat(iot.listThingPrincipals(r -> r.thingName("fp-b")).principals())
                    .hasSize(1);
            // A template the policy does not name: the broker refuses the publish itself.
            assertThatThrownBy(() -> d.publishTo("$aws/provisioning-templates/any/provision/json", "{}"))
                    .isInstanceOf(ExecutionException.class);
            // A handful a minute, then throttled.
            String last = "";
            for (int i = 0; i < 10 && !last.equals("Throttling"); i++) {
                d.publishTo("$aws/certificates/create/json", "{}");
                TestDevice.Received answer = d.await("create/json/" + (i < 9 ? "accepted" : "rejected"));
                last = answer.json().path("errorCode").asText();
            }
            assertThat(last).isEqualTo("Throttling");
        }
        assertThat(List.of("fp-a")).isNotEmpty();
    }
}

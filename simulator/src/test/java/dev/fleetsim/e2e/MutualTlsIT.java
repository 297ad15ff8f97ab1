package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.fleet.DeviceIdentities;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.RecordingDeviceListener;
import dev.fleetsim.testing.TestDevice;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;

/**
 * mTLS like IoT Core: identities minted with CreateKeysAndCertificate through the AWS SDK, the broker's 8883-style
 * listener trusting only the local CA and only ACTIVE certificates, and a certificate acting only for its things.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MutualTlsIT {
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

    @Test
    void devicesUseTheTlsProviderThisSuiteRunsWith() {
        // The suite runs twice: over OpenSSL (netty-tcnative, which Netty and so the HiveMQ client pick where it
        // loads) and, in the device-tls-jdk execution, over the JDK's provider.
        assertThat(SslContext.defaultClientProvider())
                .isEqualTo(
                        Boolean.getBoolean("io.netty.handler.ssl.noOpenSsl") ? SslProvider.JDK : SslProvider.OPENSSL);
    }

    private static CreateKeysAndCertificateResponse identity(String thing, boolean active) {
        iot.createThing(r -> r.thingName(thing));
        CreateKeysAndCertificateResponse keys = iot.createKeysAndCertificate(r -> r.setAsActive(active));
        iot.attachThingPrincipal(r -> r.thingName(thing).principal(keys.certificateArn()));
        return keys;
    }

    private static MqttClientSslConfig ssl(CreateKeysAndCertificateResponse keys) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
                "device", dev.fleetsim.pki.Pem.privateKey(keys.keyPair().privateKey()), new char[0], new Certificate[] {
                    dev.fleetsim.pki.Pem.certificate(keys.certificatePem())
                });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca",
                dev.fleetsim.pki.Pem.certificate(Files.readString(stack.ca().caCertificateFile())));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return MqttClientSslConfig.builder()
                .keyManagerFactory(kmf)
                .trustManagerFactory(tmf)
                .protocols(List.of("TLSv1.3", "TLSv1.2"))
                .build();
    }

    @Test
    void activeCertificateConnectsAndActsForItsThingOnly() throws Exception {
        CreateKeysAndCertificateResponse keys = identity("tls-1", true);
        iot.createThing(r -> r.thingName("tls-other"));
        assertThat(keys.certificateId()).hasSize(64);
        assertThat(iot.listThingPrincipals(r -> r.thingName("tls-1")).principals())
                .containsExactly(keys.certificateArn());

        try (TestDevice device = TestDevice.connect("tls-1", stack.mqttsPort(), ssl(keys))) {
            device.publish("$next/get", "{\"clientToken\":\"mine\"}");
            assertThat(device.await("/$next/get/accepted")
                            .json()
                            .get("clientToken")
                            .textValue())
                    .isEqualTo("mine");

            assertThatThrownBy(() -> device.publishTo("$aws/things/tls-other/jobs/$next/get", "{}"))
                    .hasRootCauseInstanceOf(Mqtt5PubAckException.class)
                    .satisfies(e -> assertThat(((Mqtt5PubAckException) e.getCause())
                                    .getMqttMessage()
                                    .getReasonCode())
                            .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            assertThat(device.drain(Duration.ofMillis(500)))
                    .as("no answer for another thing's topics")
                    .isEmpty();
            assertThat(device.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void inactiveOrUnknownCertificatesAreRefused() throws Exception {
        CreateKeysAndCertificateResponse inactive = identity("tls-2", false);
        assertThatThrownBy(() -> TestDevice.connect("tls-2", stack.mqttsPort(), ssl(inactive)))
                .hasMessageContaining("NOT_AUTHORIZED");

        iot.updateCertificate(r -> r.certificateId(inactive.certificateId()).newStatus(CertificateStatus.ACTIVE));
        try (TestDevice device = TestDevice.connect("tls-2", stack.mqttsPort(), ssl(inactive))) {
            assertThat(device.client().getState().isConnected()).isTrue();
        }
        iot.updateCertificate(r -> r.certificateId(inactive.certificateId()).newStatus(CertificateStatus.REVOKED));
        assertThatThrownBy(() -> TestDevice.connect("tls-2", stack.mqttsPort(), ssl(inactive)))
                .hasMessageContaining("NOT_AUTHORIZED");
        assertThat(iot.describeCertificate(r -> r.certificateId(inactive.certificateId()))
                        .certificateDescription()
                        .status())
                .isEqualTo(CertificateStatus.REVOKED);
    }

    @Test
    void certificateRotationJobReconnectsWithTheNewCertificate() throws Exception {
        iot.createThing(r -> r.thingName("rot-1"));
        DeviceTls tls = DeviceIdentities.mint(iot, List.of("rot-1"), stack.ca().caCertificate());
        String original =
                iot.listThingPrincipals(r -> r.thingName("rot-1")).principals().get(0);
        RecordingDeviceListener events = new RecordingDeviceListener();
        EventLoopGroup group = EventLoops.create(1, "rotation-it");
        DeviceConfig config = DeviceConfig.simple("127.0.0.1", stack.mqttsPort(), Duration.ZERO)
                .withTls(tls);
        VirtualDevice device = new VirtualDevice("rot-1", group.next(), group, config, events);
        try {
            device.start();
            device.ready().get(20, TimeUnit.SECONDS);
            String arn = iot.describeThing(r -> r.thingName("rot-1")).thingArn();
            iot.createJob(r -> r.jobId("rotate").targets(arn).document("{\"operation\":\"rotate-certificate\"}"));

            events.await("rot-1 status rotate SUCCEEDED", 30_000);

            assertThat(events.events()).contains("rot-1 disconnected");
            var details = iot.describeJobExecution(r -> r.jobId("rotate").thingName("rot-1"))
                    .execution()
                    .statusDetails()
                    .detailsMap();
            String newId = details.get("certificateId");
            assertThat(newId).hasSize(64).isNotEqualTo(original.substring(original.lastIndexOf('/') + 1));
            assertThat(iot.describeCertificate(r -> r.certificateId(newId))
                            .certificateDescription()
                            .status())
                    .isEqualTo(CertificateStatus.ACTIVE);
            assertThat(iot.listThingPrincipals(r -> r.thingName("rot-1")).principals())
                    .contains(original)
                    .anyMatch(p -> p.endsWith(newId));
            assertThat(CompletableFuture.supplyAsync(
                                    () -> device.disk().snapshot().certificate(), device.loop())
                            .get())
                    .isEqualTo(newId);
        } finally {
            device.stop().get(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void plainClientWithoutCertificateCannotUseTheTlsListener() {
        assertThatThrownBy(() -> TestDevice.connect(
                        "tls-none",
                        stack.mqttsPort(),
                        MqttClientSslConfig.builder()
                                .trustManagerFactory(trustAll())
                                .build()))
                .satisfies(e -> {
                    // Refused in the TLS handshake (no client certificate), before any MQTT was exchanged: never a
                    // CONNACK, and the cause names the TLS failure or the closed connection.
                    Throwable cause = e;
                    StringBuilder chain = new StringBuilder();
                    boolean connAck = false;
                    while (cause != null) {
                        chain.append(cause.getClass().getSimpleName())
                                .append(": ")
                                .append(cause.getMessage());
                        chain.append(" / ");
                        connAck |= cause instanceof Mqtt5ConnAckException;
                        cause = cause.getCause();
                    }
                    assertThat(connAck).as(chain.toString()).isFalse();
                    assertThat(chain.toString())
                            .containsAnyOf(
                                    "SSLHandshakeException",
                                    "certificate_required",
                                    "bad_certificate",
                                    "ConnectionClosedException",
                                    "Connection reset");
                });
    }

    private static TrustManagerFactory trustAll() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", stack.ca().caCertificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.testing.LocalAws;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;

/**
 * The MQTT-over-TLS-with-ALPN listener (IoT Core's 443), from outside with the JDK's TLS and hand-written MQTT 3.1.1
 * packets: {@code x-amzn-mqtt-ca} is negotiated, the client certificate decides (ACTIVE connects, INACTIVE is refused
 * with return code 5), and the broker's internal relay listener refuses anyone but the front.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AlpnListenerIT {

    @Test
    void alpnIsNegotiatedAndTheCertificateDecides() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                                .alpnPort(0)
                                .build())
                        .get(60, TimeUnit.SECONDS);
                IotClient iot = LocalAws.iot(stack)) {
            iot.createThing(r -> r.thingName("alpn-1"));
            CreateKeysAndCertificateResponse keys = iot.createKeysAndCertificate(r -> r.setAsActive(true));
            iot.attachThingPrincipal(r -> r.thingName("alpn-1").principal(keys.certificateArn()));
            SSLContext tls = tls(stack, keys);

            try (SSLSocket socket = connect(tls, stack.alpnPort(), "x-amzn-mqtt-ca")) {
                assertThat(socket.getApplicationProtocol()).isEqualTo("x-amzn-mqtt-ca");
                assertThat(mqttConnect(socket, "alpn-1")).isZero();
            }
            // Without ALPN the listener still serves MQTT (documented leniency).
            try (SSLSocket socket = connect(tls, stack.alpnPort(), null)) {
                assertThat(socket.getApplicationProtocol()).isEmpty();
                assertThat(mqttConnect(socket, "alpn-1")).isZero();
            }

            iot.updateCertificate(r -> r.certificateId(keys.certificateId()).newStatus(CertificateStatus.INACTIVE));
            try (SSLSocket socket = connect(tls, stack.alpnPort(), "x-amzn-mqtt-ca")) {
                assertThat(mqttConnect(socket, "alpn-1")).isEqualTo(5); // not authorized
            }

            // The relay listener behind the front takes nobody else, not even plain clients on loopback.
            int relay = relayPort(stack);
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", relay), 5_000);
                assertThat(mqttConnect(plain, "intruder")).isEqualTo(5);
            }
        }
    }

    private static int relayPort(LocalStack stack) throws IOException {
        String xml = Files.readString(stack.stateDir().resolve("broker/conf/config.xml"));
        Matcher m = Pattern.compile("<port>(\\d+)</port>\\s*<bind-address>[^<]+</bind-address>\\s*"
                        + "<name>fleetsim-alpn-relay</name>")
                .matcher(xml);
        assertThat(m.find()).as(xml).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static SSLContext tls(LocalStack stack, CreateKeysAndCertificateResponse keys) throws Exception {
        char[] password = "t".toCharArray();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry("device", Pem.privateKey(keys.keyPair().privateKey()), password, new Certificate[] {
            Pem.certificate(keys.certificatePem())
        });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", stack.ca().caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static SSLSocket connect(SSLContext tls, int port, String alpn) throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (alpn != null) {
            parameters.setApplicationProtocols(new String[] {alpn});
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** Sends an MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s) and returns the CONNACK's return code. */
    private static int mqttConnect(Socket socket, String clientId) throws IOException {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] variable = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60};
        int remaining = variable.length + 2 + id.length;
        OutputStream out = socket.getOutputStream();
        out.write(0x10);
        out.write(remaining);
        out.write(variable);
        out.write(id.length >> 8);
        out.write(id.length & 0xFF);
        out.write(id);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int type = in.readUnsignedByte();
        assertThat(type).as("CONNACK").isEqualTo(0x20);
        assertThat(in.readUnsignedByte()).isEqualTo(2);
        in.readUnsignedByte(); // session present
        return in.readUnsignedByte();
    }
}

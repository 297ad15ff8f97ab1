package dev.fleetsim.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.jobs.ApiRequest;
import dev.fleetsim.local.jobs.ApiResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/**
 * Per-thing device identities minted through the local stack's control plane (CreateKeysAndCertificate +
 * AttachThingPrincipal), as a {@link DeviceTls} for mTLS fleets.
 */
public final class LocalIdentities {
    private LocalIdentities() {}

    /** Mints an ACTIVE certificate for each thing, attaches it, and returns the TLS settings per thing. */
    public static DeviceTls mint(LocalStack stack, List<String> things) throws Exception {
        TrustManagerFactory trust = trust(stack.ca().caCertificate());
        Map<String, MqttClientSslConfig> configs = new ConcurrentHashMap<>();
        for (String thing : things) {
            ApiResponse created = call(stack, "POST", "/keys-and-certificate", Map.of("setAsActive", "true"), Map.of());
            JsonNode body = created.body();
            call(
                    stack,
                    "PUT",
                    "/things/" + thing + "/principals",
                    Map.of(),
                    Map.of("x-amzn-principal", body.get("certificateArn").textValue()));
            configs.put(
                    thing,
                    ssl(
                            body.get("keyPair").get("PrivateKey").textValue(),
                            body.get("certificatePem").textValue(),
                            trust));
        }
        return thing -> configs.get(thing);
    }

    private static ApiResponse call(
            LocalStack stack, String method, String path, Map<String, String> query, Map<String, String> headers)
            throws Exception {
        Map<String, List<String>> q = new java.util.HashMap<>();
        query.forEach((k, v) -> q.put(k, List.of(v)));
        ApiResponse response = stack.jobs()
                .handle(new ApiRequest(
                        method, path, q, headers, JobsJson.mapper().createObjectNode(), false))
                .get(30, TimeUnit.SECONDS);
        if (response.errorType() != null) {
            throw new IllegalStateException(method + " " + path + ": " + response.body());
        }
        return response;
    }

    /** An mTLS client configuration from PEM key and certificate, trusting {@code trust}. */
    public static MqttClientSslConfig ssl(String privateKeyPem, String certificatePem, TrustManagerFactory trust) {
        return dev.fleetsim.pki.Pem.mtls(privateKeyPem, certificatePem, trust);
    }

    public static TrustManagerFactory trust(X509Certificate ca) throws GeneralSecurityException, java.io.IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }
}

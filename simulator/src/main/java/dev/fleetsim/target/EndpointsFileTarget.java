package dev.fleetsim.target;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.pki.Pem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A {@code fleetsim local} running elsewhere, as its {@code endpoints.json} describes it: MQTT, the control plane and
 * the artifact store with the stack's key pair, its CA as the trust anchor. Its clock is the system clock (a remote
 * stack's time scale is its own); artifacts are not signed here (the stack's signing key stays with it).
 */
public final class EndpointsFileTarget implements Target {
    private final Path file;
    private final JsonNode endpoints;
    private final IotClient iot;
    private final S3Client s3;
    private final X509Certificate trust;

    private EndpointsFileTarget(Path file, JsonNode endpoints, X509Certificate trust) {
        this.file = file;
        this.endpoints = endpoints;
        this.trust = trust;
        AccessKeyPair keys = new AccessKeyPair(
                endpoints.path("accessKeyId").asText(AccessKeyPair.DEFAULT.accessKeyId()),
                endpoints.path("secretAccessKey").asText(AccessKeyPair.DEFAULT.secretAccessKey()));
        this.iot = AwsClients.iot(
                URI.create(endpoints.get("controlPlane").asText()), region(), AwsClients.credentials(keys));
        this.s3 = AwsClients.s3(URI.create(endpoints.get("s3").asText()), region(), AwsClients.credentials(keys));
    }

    /** Reads {@code endpoints.json}; fails with a message naming the file and what is missing. */
    public static EndpointsFileTarget open(Path file) {
        try {
            JsonNode json = JobsJson.mapper().readTree(file.toFile());
            for (String key : new String[] {"controlPlane", "s3", "caCertificate"}) {
                if (!json.hasNonNull(key)) {
                    throw new IllegalArgumentException(
                            file + " has no '" + key + "': is it a fleetsim local's" + " endpoints.json?");
                }
            }
            if (!json.hasNonNull("mqtt") && !json.hasNonNull("mqtts")) {
                // A strict stack has no plain MQTT; one with neither is not a stack's file.
                throw new IllegalArgumentException(
                        file + " has neither 'mqtt' nor 'mqtts': is it a fleetsim local's endpoints.json?");
            }
            X509Certificate ca = Pem.certificate(
                    Files.readString(Path.of(json.get("caCertificate").asText())));
            return new EndpointsFileTarget(file, json, ca);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the endpoints (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String describe() {
        return "fleetsim local at " + endpoints.get("controlPlane").asText() + " (" + file + ")";
    }

    @Override
    public String region() {
        return endpoints.path("region").asText("us-east-1");
    }

    @Override
    public String accountId() {
        return endpoints.path("accountId").asText("000000000000");
    }

    @Override
    public Optional<Endpoint> mqtt() {
        return endpoint("mqtt");
    }

    @Override
    public Optional<Endpoint> mqtts() {
        return endpoint("mqtts");
    }

    private Optional<Endpoint> endpoint(String key) {
        if (!endpoints.hasNonNull(key)) {
            return Optional.empty();
        }
        URI uri = URI.create(endpoints.get(key).asText());
        return Optional.of(new Endpoint(uri.getHost(), uri.getPort()));
    }

    @Override
    public IotClient iot() {
        return iot;
    }

    @Override
    public S3Client s3() {
        return s3;
    }

    @Override
    public X509Certificate trustAnchor() {
        return trust;
    }

    @Override
    public Optional<CodeSigner> codeSigner() {
        return Optional.empty();
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public void close() {
        iot.close();
        s3.close();
    }
}

package dev.fleetsim.target;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where a run's devices connect and where its things, certificates, artifacts and jobs are made: the local stack
 * fleetsim starts itself, or AWS IoT Core. A run talks to a target only through the AWS SDK and MQTT, as an
 * operator's application and its devices would, so the scenario runner knows nothing of any target's insides.
 *
 * <p>Thread-safe. The clients belong to the target and close with it.
 */
public interface Target extends AutoCloseable {

    /** A host and port. */
    record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** The key and certificate that sign artifacts (AWS's {@code codesign} block). */
    record CodeSigner(PrivateKey key, X509Certificate certificate) {}

    /** One line for a run's banner: what this target is and where its endpoints are. */
    String describe();

    String region();

    String accountId();

    /** MQTT without TLS, or empty where the target has none (IoT Core). */
    Optional<Endpoint> mqtt();

    /** MQTT over mutual TLS, or empty where it is off. */
    Optional<Endpoint> mqtts();

    /** The control plane. */
    IotClient iot();

    /** The artifact store. */
    S3Client s3();

    /** What devices trust when they check the server's certificate (MQTT over TLS, HTTPS downloads). */
    X509Certificate trustAnchor();

    /** Every certificate devices trust for the server (IoT Core: Amazon Root CA 1 and 3). */
    default List<X509Certificate> trustAnchors() {
        return List.of(trustAnchor());
    }

    /** How resources are made on a target shared with others (IoT Core); empty: the run makes them directly. */
    default Optional<FleetSetup> setup() {
        return Optional.empty();
    }

    /** The signer of artifacts, when the target has one of its own. */
    Optional<CodeSigner> codeSigner();

    /** The target's clock: simulated time on a time-scaled local stack, the system clock otherwise. */
    Clock clock();

    /** The role a job's {@code presignedUrlConfig} names. */
    default String presignRoleArn() {
        return "arn:aws:iam::" + accountId() + ":role/fleetsim-presign";
    }

    /** A thing's ARN in this target's account and region. */
    default String thingArn(String thingName) {
        return "arn:aws:iot:" + region() + ":" + accountId() + ":thing/" + thingName;
    }

    /**
     * Restarts the broker as clients see it (every connection drops, connects are refused for {@code down}), where the
     * target lets a run do that; completes with the number of connections dropped.
     */
    default Optional<CompletableFuture<Integer>> restartBroker(Duration down) {
        return Optional.empty();
    }

    /**
     * The target's own meters in Prometheus's text format, where it has any (the local stack's
     * {@code fleetsim_local_*}), so a run's {@code /metrics} shows both sides.
     */
    default Optional<String> scrapeMetrics() {
        return Optional.empty();
    }

    /** Releases the clients and stops what the target started. */
    @Override
    void close();
}

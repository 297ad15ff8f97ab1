package dev.fleetsim.local.broker;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.local.jobs.Registry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of the embedded broker.
 *
 * @param bindAddress the address the MQTT listener binds to (127.0.0.1 by default: loopback only)
 * @param port the plain MQTT port; 0 picks a free one
 * @param stateDir the folder that holds the broker's configuration and data folders
 * @param maxPacketSize largest MQTT packet accepted; AWS IoT Core accepts 128 KiB payloads
 * @param strict null, or IoT Core's limits to enforce ({@code fleetsim local --strict}): no plain listener, MQTT over
 *     TLS only with registered certificates of any issuer, connect rates, topic depth, subscriptions per SUBSCRIBE and
 *     publishes per second per connection
 */
public record BrokerConfig(String bindAddress, int port, Path stateDir, int maxPacketSize, Tls tls, ApiQuotas strict) {

    /**
     * The mTLS listeners, like IoT Core's: client certificates are required, signed by the local CA; the
     * {@link Identities} say what each connection may do.
     *
     * @param port MQTT over TLS like IoT Core's 8883 (HiveMQ CE's own TLS listener); 0 picks a free one, -1 is off
     * @param alpnPort MQTT over TLS with ALPN {@code x-amzn-mqtt-ca} like IoT Core's 443 ({@link AlpnTlsFront}); 0
     *     picks a free one, -1 is off
     */
    public record Tls(int port, int alpnPort, Path keyStore, Path trustStore, String password, Identities identities) {}

    /** What connections authenticated with a certificate may do; thread-safe. */
    public interface Identities {
        /** The grant of a certificate (by id, SHA-256 hex) for a client id, or null when the certificate is unknown. */
        Registry.ConnectionGrant grant(String certificateId, String clientId);

        /** Calls {@code listener} (on any thread) whenever some connection's grant may have changed. */
        void onChange(Runnable listener);
    }

    /** 128 KiB payload plus room for the topic and headers. */
    public static final int DEFAULT_MAX_PACKET_SIZE = 128 * 1024 + 1024;

    public BrokerConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(stateDir, "stateDir");
        if (port < (strict == null ? 0 : -1) || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535: " + port);
        }
    }
}

package dev.fleetsim.local.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of the embedded broker.
 *
 * @param bindAddress the address the MQTT listener binds to (127.0.0.1 by default: loopback only)
 * @param port the plain MQTT port; 0 picks a free one
 * @param stateDir the folder that holds the broker's configuration and data folders
 * @param maxPacketSize largest MQTT packet accepted; AWS IoT Core accepts 128 KiB payloads
 */
public record BrokerConfig(String bindAddress, int port, Path stateDir, int maxPacketSize) {

    /** 128 KiB payload plus room for the topic and headers. */
    public static final int DEFAULT_MAX_PACKET_SIZE = 128 * 1024 + 1024;

    public BrokerConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(stateDir, "stateDir");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535: " + port);
        }
    }
}

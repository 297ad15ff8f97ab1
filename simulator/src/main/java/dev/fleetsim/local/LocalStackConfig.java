package dev.fleetsim.local;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Settings of the local stack.
 *
 * @param bindAddress address every listener binds to; loopback by default
 * @param mqttPort plain MQTT port; 0 picks a free one
 * @param stateDir folder for the broker's configuration and data; null means a temporary folder deleted at stop
 * @param clock the clock every engine time comes from
 */
public record LocalStackConfig(String bindAddress, int mqttPort, Path stateDir, Clock clock) {

    public static final String LOOPBACK = "127.0.0.1";

    public LocalStackConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clock, "clock");
    }

    /** Loopback, a free port, a temporary state folder and the system clock. */
    public static LocalStackConfig ephemeral() {
        return new LocalStackConfig(LOOPBACK, 0, null, Clock.systemUTC());
    }
}

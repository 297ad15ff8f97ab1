package dev.fleetsim.device;

import java.time.Duration;
import java.util.Objects;

/**
 * How a device connects and behaves.
 *
 * @param host MQTT host
 * @param port MQTT port
 * @param installTime how long the simulated install of a job takes
 * @param keepAlive MQTT keep-alive (AWS IoT Core accepts 30–1200 s)
 */
public record DeviceConfig(String host, int port, Duration installTime, Duration keepAlive) {
    public DeviceConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(installTime, "installTime");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (installTime.isNegative()) {
            throw new IllegalArgumentException("installTime must not be negative");
        }
    }
}

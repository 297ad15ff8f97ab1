package dev.fleetsim.local;

import dev.fleetsim.local.jobs.Arns;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Settings of the local stack. Every port may be 0 (pick a free one); {@code mqttsPort} -1 turns the mTLS listener
 * off.
 *
 * @param bindAddress address every listener binds to; loopback by default
 * @param mqttPort plain MQTT (IoT Core has none; kept for fast local runs)
 * @param mqttsPort MQTT over mutual TLS, like IoT Core's 8883
 * @param controlPlanePort AWS IoT control plane, REST-JSON over HTTP
 * @param dataPlanePort HTTPS device data plane {@code iot-jobs-data} (plain HTTP locally)
 * @param stateDir folder for the CA, the broker's files and {@code endpoints.json}; null means a temporary folder
 *     deleted at stop
 * @param clock the clock every engine time comes from (a {@link dev.fleetsim.local.clock.VirtualClock} to time-scale)
 * @param arns region and account of the ARNs
 * @param eventsEnabled publish job and job-execution lifecycle events from the start (AWS: off until enabled)
 * @param deviceApiRatePerSecond device-API requests per second before {@code RequestThrottled}; 0 is unlimited
 */
public record LocalStackConfig(
        String bindAddress,
        int mqttPort,
        int mqttsPort,
        int controlPlanePort,
        int dataPlanePort,
        Path stateDir,
        Clock clock,
        Arns arns,
        boolean eventsEnabled,
        double deviceApiRatePerSecond) {

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DISABLED = -1;

    public LocalStackConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(arns, "arns");
    }

    /** Loopback, free ports, a temporary state folder, the system clock. */
    public static LocalStackConfig ephemeral() {
        return new LocalStackConfig(
                LOOPBACK,
                0,
                0,
                0,
                0,
                null,
                Clock.systemUTC(),
                new Arns(Arns.DEFAULT_REGION, Arns.DEFAULT_ACCOUNT),
                false,
                0);
    }

    public LocalStackConfig withClock(Clock newClock) {
        return new LocalStackConfig(
                bindAddress,
                mqttPort,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                newClock,
                arns,
                eventsEnabled,
                deviceApiRatePerSecond);
    }

    public LocalStackConfig withMqttPort(int port) {
        return new LocalStackConfig(
                bindAddress,
                port,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                clock,
                arns,
                eventsEnabled,
                deviceApiRatePerSecond);
    }

    public LocalStackConfig withBindAddress(String address) {
        return new LocalStackConfig(
                address,
                mqttPort,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                clock,
                arns,
                eventsEnabled,
                deviceApiRatePerSecond);
    }

    public LocalStackConfig withDeviceApiRate(double ratePerSecond) {
        return new LocalStackConfig(
                bindAddress,
                mqttPort,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                clock,
                arns,
                eventsEnabled,
                ratePerSecond);
    }

    public LocalStackConfig withEvents(boolean enabled) {
        return new LocalStackConfig(
                bindAddress,
                mqttPort,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                clock,
                arns,
                enabled,
                deviceApiRatePerSecond);
    }
}

package dev.fleetsim.device;

import dev.fleetsim.device.behaviour.Behaviour;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How a device connects and behaves.
 *
 * @param host MQTT host
 * @param port MQTT port
 * @param tls TLS settings, or null for plain TCP
 * @param localAddress the local address to connect from (spreading connections over source addresses), or null
 * @param keepAlive MQTT keep-alive (AWS IoT Core accepts 30–1200 s)
 * @param cleanSession clean start (true) or a persistent session
 * @param useStartNext ask for work with start-next instead of {@code $next/get} (AWS recommends {@code $next/get} at
 *     scale, spec §2.4)
 * @param stepTimeoutMinutes sent with IN_PROGRESS updates when set (1–10080), else none
 * @param behaviour the cohort's behaviour
 * @param seed the run's seed; with the thing name it fixes every draw
 * @param retryBase first delay before resending a throttled or failed request; doubles up to {@code retryMax}
 * @param retryMax longest delay between resends
 */
public record DeviceConfig(
        String host,
        int port,
        DeviceTls tls,
        InetAddress localAddress,
        Duration keepAlive,
        boolean cleanSession,
        boolean useStartNext,
        Integer stepTimeoutMinutes,
        Behaviour behaviour,
        long seed,
        Duration retryBase,
        Duration retryMax) {

    public DeviceConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(behaviour, "behaviour");
        Objects.requireNonNull(retryBase, "retryBase");
        Objects.requireNonNull(retryMax, "retryMax");
        if (stepTimeoutMinutes != null && (stepTimeoutMinutes < 1 || stepTimeoutMinutes > 10_080)) {
            throw new IllegalArgumentException("stepTimeoutMinutes must be 1-10080");
        }
    }

    /** Plain MQTT to host:port; every job succeeds after {@code installTime}. */
    public static DeviceConfig simple(String host, int port, Duration installTime) {
        return new DeviceConfig(
                host,
                port,
                null,
                null,
                Duration.ofSeconds(60),
                true,
                false,
                null,
                Behaviour.alwaysSucceeds(installTime),
                0,
                Duration.ofSeconds(1),
                Duration.ofSeconds(64));
    }

    public DeviceConfig withBehaviour(Behaviour newBehaviour, long newSeed) {
        return new DeviceConfig(
                host,
                port,
                tls,
                localAddress,
                keepAlive,
                cleanSession,
                useStartNext,
                stepTimeoutMinutes,
                newBehaviour,
                newSeed,
                retryBase,
                retryMax);
    }

    public DeviceConfig withLocalAddress(InetAddress address) {
        return new DeviceConfig(
                host,
                port,
                tls,
                address,
                keepAlive,
                cleanSession,
                useStartNext,
                stepTimeoutMinutes,
                behaviour,
                seed,
                retryBase,
                retryMax);
    }

    public DeviceConfig withTls(DeviceTls newTls) {
        return new DeviceConfig(
                host,
                port,
                newTls,
                localAddress,
                keepAlive,
                cleanSession,
                useStartNext,
                stepTimeoutMinutes,
                behaviour,
                seed,
                retryBase,
                retryMax);
    }

    public DeviceConfig withStartNext(boolean startNext) {
        return new DeviceConfig(
                host,
                port,
                tls,
                localAddress,
                keepAlive,
                cleanSession,
                startNext,
                stepTimeoutMinutes,
                behaviour,
                seed,
                retryBase,
                retryMax);
    }

    public DeviceConfig withRetry(Duration base, Duration max) {
        return new DeviceConfig(
                host,
                port,
                tls,
                localAddress,
                keepAlive,
                cleanSession,
                useStartNext,
                stepTimeoutMinutes,
                behaviour,
                seed,
                base,
                max);
    }
}

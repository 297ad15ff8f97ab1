package dev.fleetsim.device;

import com.hivemq.client.mqtt.MqttVersion;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.download.DeviceDownloads;
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
 * @param downloads how download steps fetch artifacts over HTTP(S); null makes them timed no-ops (the behaviour's
 *     download duration), for runs that test the Jobs flow without moving bytes
 * @param answerTimeout how long a request waits for its accepted or rejected answer before it is sent again with a
 *     fresh client token (the AWS IoT Device Client waits 10 s); also how long a subscription may take
 * @param qos the QoS of the device's publishes and subscriptions: AT_LEAST_ONCE as AWS's device SDKs use for Jobs;
 *     AT_MOST_ONCE for load tests that compare with a QoS 0 baseline
 * @param mqttVersion MQTT 5 (the default) or 3.1.1, as the device's SDK speaks; IoT Core takes both
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
        Duration retryMax,
        DeviceDownloads downloads,
        Duration answerTimeout,
        MqttQos qos,
        MqttVersion mqttVersion) {

    public DeviceConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(behaviour, "behaviour");
        Objects.requireNonNull(retryBase, "retryBase");
        Objects.requireNonNull(retryMax, "retryMax");
        Objects.requireNonNull(answerTimeout, "answerTimeout");
        Objects.requireNonNull(qos, "qos");
        Objects.requireNonNull(mqttVersion, "mqttVersion");
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
                Duration.ofSeconds(64),
                null,
                DEFAULT_ANSWER_TIMEOUT,
                MqttQos.AT_LEAST_ONCE,
                MqttVersion.MQTT_5_0);
    }

    /** IoT Core's keep-alive range (spec §11.1: a smaller value is raised to the minimum; we refuse it instead). */
    public static final Duration MIN_KEEP_ALIVE = Duration.ofSeconds(30);

    public static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(1200);

    /**
     * An MQTT version as users write it: {@code 5} (or {@code 5.0}) or {@code 3.1.1} (or {@code 3}).
     *
     * @throws IllegalArgumentException naming what is accepted
     */
    public static MqttVersion mqttVersion(String text) {
        return switch (text.trim()) {
            case "5", "5.0" -> MqttVersion.MQTT_5_0;
            case "3", "3.1.1" -> MqttVersion.MQTT_3_1_1;
            default -> throw new IllegalArgumentException("'" + text + "' is not an MQTT version; write 5 or 3.1.1");
        };
    }

    /**
     * {@code value} if IoT Core accepts it as a keep-alive.
     *
     * @throws IllegalArgumentException naming the range
     */
    public static Duration keepAlive(Duration value) {
        if (value.compareTo(MIN_KEEP_ALIVE) < 0
                || value.compareTo(MAX_KEEP_ALIVE) > 0
                || value.toNanos() % 1_000_000_000 != 0) {
            throw new IllegalArgumentException("must be whole seconds from 30s to 1200s (IoT Core's keep-alive range)");
        }
        return value;
    }

    /** {@code 5} or {@code 3.1.1}, as {@link #mqttVersion(String)} reads it. */
    public static String mqttVersionName(MqttVersion version) {
        return version == MqttVersion.MQTT_3_1_1 ? "3.1.1" : "5";
    }

    /** The AWS IoT Device Client's wait for an answer. */
    public static final Duration DEFAULT_ANSWER_TIMEOUT = Duration.ofSeconds(10);

    /** A builder that starts from this configuration (the record is wide: one place copies it). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public DeviceConfig withBehaviour(Behaviour newBehaviour, long newSeed) {
        return toBuilder().behaviour(newBehaviour).seed(newSeed).build();
    }

    public DeviceConfig withLocalAddress(InetAddress address) {
        return toBuilder().localAddress(address).build();
    }

    public DeviceConfig withTls(DeviceTls newTls) {
        return toBuilder().tls(newTls).build();
    }

    public DeviceConfig withStartNext(boolean startNext) {
        return toBuilder().useStartNext(startNext).build();
    }

    public DeviceConfig withDownloads(DeviceDownloads value) {
        return toBuilder().downloads(value).build();
    }

    public DeviceConfig withRetry(Duration base, Duration max) {
        return toBuilder().retryBase(base).retryMax(max).build();
    }

    /** Copies a configuration with some components changed. */
    public static final class Builder {
        private String host;
        private int port;
        private DeviceTls tls;
        private InetAddress localAddress;
        private Duration keepAlive;
        private boolean cleanSession;
        private boolean useStartNext;
        private Integer stepTimeoutMinutes;
        private Behaviour behaviour;
        private long seed;
        private Duration retryBase;
        private Duration retryMax;
        private DeviceDownloads downloads;
        private Duration answerTimeout;
        private MqttQos qos;
        private MqttVersion mqttVersion;

        private Builder(DeviceConfig c) {
            this.host = c.host();
            this.port = c.port();
            this.tls = c.tls();
            this.localAddress = c.localAddress();
            this.keepAlive = c.keepAlive();
            this.cleanSession = c.cleanSession();
            this.useStartNext = c.useStartNext();
            this.stepTimeoutMinutes = c.stepTimeoutMinutes();
            this.behaviour = c.behaviour();
            this.seed = c.seed();
            this.retryBase = c.retryBase();
            this.retryMax = c.retryMax();
            this.downloads = c.downloads();
            this.answerTimeout = c.answerTimeout();
            this.qos = c.qos();
            this.mqttVersion = c.mqttVersion();
        }

        public Builder host(String value) {
            this.host = value;
            return this;
        }

        public Builder port(int value) {
            this.port = value;
            return this;
        }

        public Builder tls(DeviceTls value) {
            this.tls = value;
            return this;
        }

        public Builder localAddress(InetAddress value) {
            this.localAddress = value;
            return this;
        }

        public Builder keepAlive(Duration value) {
            this.keepAlive = value;
            return this;
        }

        public Builder cleanSession(boolean value) {
            this.cleanSession = value;
            return this;
        }

        public Builder useStartNext(boolean value) {
            this.useStartNext = value;
            return this;
        }

        public Builder stepTimeoutMinutes(Integer value) {
            this.stepTimeoutMinutes = value;
            return this;
        }

        public Builder behaviour(Behaviour value) {
            this.behaviour = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public Builder retryBase(Duration value) {
            this.retryBase = value;
            return this;
        }

        public Builder retryMax(Duration value) {
            this.retryMax = value;
            return this;
        }

        public Builder downloads(DeviceDownloads value) {
            this.downloads = value;
            return this;
        }

        public Builder answerTimeout(Duration value) {
            this.answerTimeout = value;
            return this;
        }

        public Builder qos(MqttQos value) {
            this.qos = value;
            return this;
        }

        public Builder mqttVersion(MqttVersion value) {
            this.mqttVersion = value;
            return this;
        }

        public DeviceConfig build() {
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
                    retryBase,
                    retryMax,
                    downloads,
                    answerTimeout,
                    qos,
                    mqttVersion);
        }
    }
}

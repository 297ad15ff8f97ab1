package dev.fleetsim.gatling;

import com.hivemq.client.mqtt.MqttVersion;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.scenario.Units;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The entry of the fleetsim Gatling DSL:
 *
 * <pre>{@code
 * IotJobsProtocol iot = IotJobs.iotJobs().embedded(60).devices(500).outcomes(98, 2, 0, 0)
 *         .install(Duration.ofMinutes(2)).seed(7).build();
 * }</pre>
 */
public final class IotJobs {
    private IotJobs() {}

    public static Builder iotJobs() {
        return new Builder();
    }

    /** What a protocol is built from. */
    record Settings(
            Path endpointsFile,
            double timeScale,
            int devices,
            String thingNamePattern,
            Behaviour behaviour,
            long seed,
            boolean tls,
            long bytesPerSecond,
            Duration answerTimeout,
            int loops,
            MqttQos qos,
            MqttVersion mqttVersion) {}

    /** Builds an {@link IotJobsProtocol}. Durations of the cohort are simulated time (divided by the time scale). */
    public static final class Builder {
        private Path endpointsFile;
        private double timeScale = 1;
        private int devices = 100;
        private String pattern = "gatling-%05d";
        private double succeed = 1;
        private double fail;
        private double reject;
        private double hang;
        private Distribution install = new Distribution.Fixed(Duration.ofSeconds(1));
        private Distribution download = new Distribution.Fixed(Duration.ZERO);
        private boolean tls;
        private long bytesPerSecond;
        private long seed = 1;
        private Duration answerTimeout = Duration.ofSeconds(10);
        private int loops = EventLoops.defaultThreads();
        private MqttQos qos = MqttQos.AT_LEAST_ONCE;
        private MqttVersion mqttVersion = MqttVersion.MQTT_5_0;

        private Builder() {}

        /** The local stack started in this JVM (the default), its clock at {@code timeScale} (60: a minute a second). */
        public Builder embedded(double scale) {
            if (!(scale > 0) || scale > 3600) {
                throw new IllegalArgumentException("a time scale is above 0 and at most 3600, not " + scale);
            }
            this.endpointsFile = null;
            this.timeScale = scale;
            return this;
        }

        /** A running {@code fleetsim local}, by its {@code endpoints.json}. */
        public Builder external(Path endpointsJson) {
            this.endpointsFile = endpointsJson;
            this.timeScale = 1;
            return this;
        }

        /** Things registered at start: each user that connects takes the next one (0, 1, 2 … of the pattern). */
        public Builder devices(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("at least one device, not " + count);
            }
            this.devices = count;
            return this;
        }

        /** Thing names: {@link String#format} over the device index, e.g. {@code gatling-%05d}. */
        public Builder thingNamePattern(String value) {
            String.format(value, 0); // fails now on a bad pattern
            this.pattern = value;
            return this;
        }

        /** Relative weights of the drawn outcome of each execution (seeded by thing, job and execution). */
        public Builder outcomes(double succeedWeight, double failWeight, double rejectWeight, double hangWeight) {
            this.succeed = succeedWeight;
            this.fail = failWeight;
            this.reject = rejectWeight;
            this.hang = hangWeight;
            return this;
        }

        /** A fixed install time (simulated). */
        public Builder install(Duration simulated) {
            this.install = new Distribution.Fixed(simulated);
            return this;
        }

        /** A uniform install time between two simulated durations. */
        public Builder install(Duration min, Duration max) {
            this.install = new Distribution.Uniform(min, max);
            return this;
        }

        /**
         * Any install-time distribution of scenario files, in simulated time: {@code Distribution.Fixed},
         * {@code Uniform}, {@code Normal}, {@code LogNormal}, {@code Exponential}.
         */
        public Builder install(Distribution simulated) {
            this.install = simulated;
            return this;
        }

        /** The time a download step takes when its document has no URL to fetch (simulated). */
        public Builder download(Distribution simulated) {
            this.download = simulated;
            return this;
        }

        /** Each device's download bandwidth, as scenario files write it: {@code 256kbps}, {@code 2Mbps}. */
        public Builder bandwidth(String rate) {
            this.bytesPerSecond = Units.bytesPerSecond(rate);
            return this;
        }

        /**
         * Devices connect over mutual TLS, each with its own certificate from CreateKeysAndCertificate (attached to
         * its thing), and trust the target's CA; without it they use plain MQTT.
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** How long a device waits for the service's answer before the request is KO. */
        public Builder answerTimeout(Duration value) {
            this.answerTimeout = value;
            return this;
        }

        /** Event-loop threads shared by every device (default: one per core). */
        public Builder loops(int value) {
            this.loops = value;
            return this;
        }

        /**
         * The QoS of the devices' requests and subscriptions: 1 (the default, as AWS's device SDKs use for Jobs) or 0
         * (the QoS of {@code fleetsim bench jobs-api}, for a like-for-like throughput comparison).
         */
        public Builder qos(int level) {
            if (level != 0 && level != 1) {
                throw new IllegalArgumentException("IoT Core takes QoS 0 or 1, not " + level);
            }
            this.qos = level == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
            return this;
        }

        /** The MQTT version the devices speak: {@code "5"} (the default) or {@code "3.1.1"}. */
        public Builder mqttVersion(String version) {
            this.mqttVersion = DeviceConfig.mqttVersion(version);
            return this;
        }

        public IotJobsProtocol build() {
            return new IotJobsProtocol(new Settings(
                    endpointsFile,
                    timeScale,
                    devices,
                    pattern,
                    IotJobsProtocol.behaviour("gatling", succeed, fail, reject, hang, download, install, timeScale),
                    seed,
                    tls,
                    bytesPerSecond,
                    answerTimeout,
                    loops,
                    qos,
                    mqttVersion));
        }
    }
}

package dev.fleetsim.local;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
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
 * @param clock the clock every engine time comes from (a {@link dev.fleetsim.clock.VirtualClock} to time-scale)
 * @param arns region and account of the ARNs
 * @param eventsEnabled publish job and job-execution lifecycle events from the start (AWS: off until enabled)
 * @param deviceApiRatePerSecond device-API requests per second before {@code RequestThrottled}; 0 is unlimited
 * @param s3Port the artifact store (S3 REST API)
 * @param maxObjectSize the largest object the artifact store takes
 * @param alpnPort MQTT over mutual TLS with ALPN {@code x-amzn-mqtt-ca}, like IoT Core's 443 (the AWS IoT Device
 *     Client always dials 443); -1 is off
 * @param statusDetailChars which characters a {@code statusDetails} value may hold
 * @param rateIncrease when a higher exponential rollout rate takes effect
 * @param durable keep the control plane's and the device API's state (things, groups, certificates, templates, jobs,
 *     executions) in {@code stateDir/jobs}, written before each answer; needs a {@code stateDir}
 * @param retention how many finished jobs are kept, and for how long
 * @param advertisedHost the host clients are told to use (endpoints.json, DescribeEndpoint, presigned URLs); null:
 *     the bind address, or 127.0.0.1 when binding every interface
 * @param strictQuotas null, or IoT Core's behaviour wherever a client could notice ({@code fleetsim local --strict}):
 *     MQTT only over mutual TLS with registered certificates, SigV4 verified, no default policy, and these quotas
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
        double deviceApiRatePerSecond,
        int s3Port,
        long maxObjectSize,
        int alpnPort,
        StatusDetailChars statusDetailChars,
        RateIncrease rateIncrease,
        boolean durable,
        Retention retention,
        String advertisedHost,
        ApiQuotas strictQuotas) {

    /** S3's largest single PUT: 5 GiB. */
    public static final long DEFAULT_MAX_OBJECT_SIZE = 5L * 1024 * 1024 * 1024;

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DISABLED = -1;

    public LocalStackConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(arns, "arns");
        Objects.requireNonNull(statusDetailChars, "statusDetailChars");
        Objects.requireNonNull(rateIncrease, "rateIncrease");
        Objects.requireNonNull(retention, "retention");
        if (durable && stateDir == null) {
            throw new IllegalArgumentException("a durable local stack needs a state folder");
        }
    }

    /**
     * The host clients are told to reach the stack at: the advertised host when given, else the bind address, or
     * 127.0.0.1 for a wildcard bind (0.0.0.0 is where a server listens, not an address a client can use).
     */
    public String publicHost() {
        if (advertisedHost != null && !advertisedHost.isBlank()) {
            return advertisedHost;
        }
        return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") || bindAddress.equals("[::]")
                ? LOOPBACK
                : bindAddress;
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
                0,
                0,
                DEFAULT_MAX_OBJECT_SIZE,
                DISABLED,
                StatusDetailChars.TEXT,
                RateIncrease.NEXT_MINUTE,
                false,
                Retention.DEFAULT,
                null,
                null);
    }

    /** Whether the stack plays IoT Core strictly ({@code --strict}). */
    public boolean strict() {
        return strictQuotas != null;
    }

    /** A builder that starts from this configuration (the record is wide: one place copies it). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public LocalStackConfig withClock(Clock newClock) {
        return toBuilder().clock(newClock).build();
    }

    public LocalStackConfig withMqttPort(int port) {
        return toBuilder().mqttPort(port).build();
    }

    public LocalStackConfig withBindAddress(String address) {
        return toBuilder().bindAddress(address).build();
    }

    public LocalStackConfig withDeviceApiRate(double ratePerSecond) {
        return toBuilder().deviceApiRatePerSecond(ratePerSecond).build();
    }

    public LocalStackConfig withEvents(boolean enabled) {
        return toBuilder().eventsEnabled(enabled).build();
    }

    /** Copies a configuration with some components changed. */
    public static final class Builder {
        private String bindAddress;
        private int mqttPort;
        private int mqttsPort;
        private int controlPlanePort;
        private int dataPlanePort;
        private Path stateDir;
        private Clock clock;
        private Arns arns;
        private boolean eventsEnabled;
        private double deviceApiRatePerSecond;
        private int s3Port;
        private long maxObjectSize;
        private int alpnPort;
        private StatusDetailChars statusDetailChars;
        private RateIncrease rateIncrease;
        private boolean durable;
        private Retention retention;
        private String advertisedHost;
        private ApiQuotas strictQuotas;

        private Builder(LocalStackConfig c) {
            this.bindAddress = c.bindAddress();
            this.mqttPort = c.mqttPort();
            this.mqttsPort = c.mqttsPort();
            this.controlPlanePort = c.controlPlanePort();
            this.dataPlanePort = c.dataPlanePort();
            this.stateDir = c.stateDir();
            this.clock = c.clock();
            this.arns = c.arns();
            this.eventsEnabled = c.eventsEnabled();
            this.deviceApiRatePerSecond = c.deviceApiRatePerSecond();
            this.s3Port = c.s3Port();
            this.maxObjectSize = c.maxObjectSize();
            this.alpnPort = c.alpnPort();
            this.statusDetailChars = c.statusDetailChars();
            this.rateIncrease = c.rateIncrease();
            this.durable = c.durable();
            this.retention = c.retention();
            this.advertisedHost = c.advertisedHost();
            this.strictQuotas = c.strictQuotas();
        }

        /** Strict mode with these quotas, or null for the permissive default. */
        public Builder strictQuotas(ApiQuotas value) {
            this.strictQuotas = value;
            return this;
        }

        public Builder advertisedHost(String value) {
            this.advertisedHost = value;
            return this;
        }

        public Builder retention(Retention value) {
            this.retention = value;
            return this;
        }

        public Builder durable(boolean value) {
            this.durable = value;
            return this;
        }

        public Builder bindAddress(String value) {
            this.bindAddress = value;
            return this;
        }

        public Builder mqttPort(int value) {
            this.mqttPort = value;
            return this;
        }

        public Builder mqttsPort(int value) {
            this.mqttsPort = value;
            return this;
        }

        public Builder controlPlanePort(int value) {
            this.controlPlanePort = value;
            return this;
        }

        public Builder dataPlanePort(int value) {
            this.dataPlanePort = value;
            return this;
        }

        public Builder stateDir(Path value) {
            this.stateDir = value;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        public Builder arns(Arns value) {
            this.arns = value;
            return this;
        }

        public Builder eventsEnabled(boolean value) {
            this.eventsEnabled = value;
            return this;
        }

        public Builder deviceApiRatePerSecond(double value) {
            this.deviceApiRatePerSecond = value;
            return this;
        }

        public Builder s3Port(int value) {
            this.s3Port = value;
            return this;
        }

        public Builder maxObjectSize(long value) {
            this.maxObjectSize = value;
            return this;
        }

        public Builder alpnPort(int value) {
            this.alpnPort = value;
            return this;
        }

        public Builder statusDetailChars(StatusDetailChars value) {
            this.statusDetailChars = value;
            return this;
        }

        public Builder rateIncrease(RateIncrease value) {
            this.rateIncrease = value;
            return this;
        }

        public LocalStackConfig build() {
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
                    deviceApiRatePerSecond,
                    s3Port,
                    maxObjectSize,
                    alpnPort,
                    statusDetailChars,
                    rateIncrease,
                    durable,
                    retention,
                    advertisedHost,
                    strictQuotas);
        }
    }
}

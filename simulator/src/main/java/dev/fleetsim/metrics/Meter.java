package dev.fleetsim.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Every meter fleetsim exposes. The naming scheme:
 *
 * <ul>
 *   <li>names are {@code fleetsim_} then snake case; the local stack's start {@code fleetsim_local_};
 *   <li>counters end in {@code _total}, with the base unit before it ({@code _bytes_total}); timers are in seconds
 *       ({@code _seconds}); gauges are plain nouns of what they count now;
 *   <li>labels are snake case and never a name Prometheus owns ({@code job}, {@code instance}): an IoT job is
 *       {@code job_id}; a job or execution status is {@code status}, an HTTP status {@code http_status};
 *   <li>never labelled by thing name, client token or anything else that grows with the fleet; a label's values
 *       come from a closed set (enums, HTTP statuses) or from the scenario (its job ids);
 *   <li>every meter has help text, and series whose label values are known in advance are registered at 0 when the
 *       run or the stack starts, so {@code rate()} sees their first increments.
 * </ul>
 */
public enum Meter {
    DEVICES_CONNECTED(Side.RUN, Type.GAUGE, "fleetsim.devices.connected", null, "devices with an MQTT connection now"),
    CONNECTS(Side.RUN, Type.COUNTER, "fleetsim.connects", null, "MQTT connections established (CONNACK received)"),
    CONNECT_FAILURES(Side.RUN, Type.COUNTER, "fleetsim.connect.failures", null, "connection attempts that failed"),
    DISCONNECTS(Side.RUN, Type.COUNTER, "fleetsim.disconnects", null, "connections lost without the device closing"),
    REQUESTS(
            Side.RUN,
            Type.COUNTER,
            "fleetsim.requests",
            null,
            "Jobs requests devices had answered, by operation and result (accepted, or the rejection code)",
            "operation",
            "result"),
    JOBS_RECEIVED(
            Side.RUN,
            Type.COUNTER,
            "fleetsim.jobs.received",
            null,
            "job executions devices took up (notifications of an execution new to the device), by IoT job",
            "job_id"),
    EXECUTIONS_REPORTED(
            Side.RUN,
            Type.COUNTER,
            "fleetsim.executions.reported",
            null,
            "execution statuses the Jobs service accepted from devices, by IoT job and status",
            "job_id",
            "status"),
    JOB_EXECUTIONS(
            Side.RUN,
            Type.GAUGE,
            "fleetsim.job.executions",
            null,
            "executions of the IoT job per status now, as the Jobs service counts them (DescribeJob)",
            "job_id",
            "status"),
    ROLLOUT_NOTIFIED(
            Side.RUN,
            Type.GAUGE,
            "fleetsim.rollout.notified",
            null,
            "executions of the IoT job devices were first notified of in the last simulated minute",
            "job_id"),
    ROLLOUT_ALLOWED(
            Side.RUN,
            Type.GAUGE,
            "fleetsim.rollout.allowed",
            null,
            "executions per simulated minute AWS's rollout formula allows the IoT job now (jobExecutionsRolloutConfig)",
            "job_id"),
    RUN_INFO(
            Side.RUN,
            Type.GAUGE,
            "fleetsim.run.info",
            null,
            "1 while a scenario runs: its name, seed and time scale, to tell runs apart",
            "scenario",
            "seed",
            "time_scale"),
    DOWNLOAD_BYTES(Side.RUN, Type.COUNTER, "fleetsim.download", "bytes", "artifact bytes downloaded and verified"),
    DOWNLOAD_FAILURES(
            Side.RUN, Type.COUNTER, "fleetsim.download.failures", null, "downloads that failed or were refused"),
    PHASE(
            Side.RUN,
            Type.TIMER,
            "fleetsim.phase",
            null,
            "latency of each phase in simulated seconds at the run's time scale (notify-to-start, download, install,"
                    + " report, end-to-end), connect in real seconds",
            "phase"),

    LOCAL_DEVICE_REQUESTS(
            Side.LOCAL,
            Type.COUNTER,
            "fleetsim.local.device.requests",
            null,
            "device-API requests the local Jobs service answered over MQTT or HTTPS, by operation and result"
                    + " (accepted, or the rejection code)",
            "operation",
            "result"),
    LOCAL_API_REQUESTS(
            Side.LOCAL,
            Type.COUNTER,
            "fleetsim.local.api.requests",
            null,
            "control-plane and HTTPS data-plane requests the local stack answered, by AWS operation and HTTP status",
            "operation",
            "http_status"),
    LOCAL_MQTT_CONNECTS(
            Side.LOCAL,
            Type.COUNTER,
            "fleetsim.local.mqtt.connects",
            null,
            "MQTT connections the local broker accepted, by the MQTT version the client spoke (3.1.1 or 5)",
            "mqtt_version"),
    LOCAL_MQTT_SUBSCRIPTIONS_RESTORED(
            Side.LOCAL,
            Type.COUNTER,
            "fleetsim.local.mqtt.subscriptions.restored",
            null,
            "subscriptions the local broker granted in a SUBACK but did not store, added back before the SUBACK went"
                    + " out (a HiveMQ CE race under connect storms)"),
    LOCAL_JOBS(
            Side.LOCAL,
            Type.GAUGE,
            "fleetsim.local.jobs",
            null,
            "jobs in the local Jobs service by status now",
            "status"),
    LOCAL_EXECUTIONS(
            Side.LOCAL,
            Type.GAUGE,
            "fleetsim.local.executions",
            null,
            "latest execution of each (job, thing) in the local Jobs service by status now",
            "status");

    /** Which process part registers the meter. */
    public enum Side {
        /** A run of virtual devices ({@code fleetsim run}, {@code fleetsim devices}). */
        RUN,
        /** The local stack ({@code fleetsim local}, or embedded in a run). */
        LOCAL
    }

    public enum Type {
        COUNTER,
        GAUGE,
        TIMER
    }

    /** Labels that must never appear: Prometheus's own target labels, and per-device identities. */
    public static final List<String> FORBIDDEN_LABELS =
            List.of("job", "instance", "thing", "thing_name", "client_id", "client_token", "device");

    private final Side side;
    private final Type type;
    private final String name;
    private final String baseUnit;
    private final String help;
    private final List<String> labels;

    Meter(Side side, Type type, String name, String baseUnit, String help, String... labels) {
        this.side = side;
        this.type = type;
        this.name = name;
        this.baseUnit = baseUnit;
        this.help = help;
        this.labels = List.of(labels);
    }

    public Side side() {
        return side;
    }

    public Type type() {
        return type;
    }

    /** The Micrometer name (dotted). */
    public String meterName() {
        return name;
    }

    public String help() {
        return help;
    }

    public List<String> labels() {
        return labels;
    }

    /** The metric family name Prometheus shows ({@code fleetsim_connects_total}, {@code fleetsim_phase_seconds}). */
    public String exposedName() {
        String base = name.replace('.', '_');
        return switch (type) {
            case COUNTER -> base + (baseUnit == null ? "" : "_" + baseUnit) + "_total";
            case TIMER -> base + "_seconds";
            case GAUGE -> base + (baseUnit == null ? "" : "_" + baseUnit);
        };
    }

    /** Registers (or finds) the counter with these label values, in {@link #labels()} order. */
    public Counter counter(MeterRegistry registry, String... values) {
        check(Type.COUNTER, values);
        return Counter.builder(name)
                .description(help)
                .baseUnit(baseUnit)
                .tags(tags(values))
                .register(registry);
    }

    /** Registers a gauge reading {@code f(state)} at each scrape. */
    public <T> Gauge gauge(MeterRegistry registry, T state, ToDoubleFunction<T> f, String... values) {
        check(Type.GAUGE, values);
        return Gauge.builder(name, state, f)
                .description(help)
                .baseUnit(baseUnit)
                .tags(tags(values))
                .strongReference(true)
                .register(registry);
    }

    /** Registers a latency timer with Prometheus histogram buckets from 1 ms up to {@code longest}. */
    public Timer timer(MeterRegistry registry, Duration longest, String... values) {
        check(Type.TIMER, values);
        return Timer.builder(name)
                .description(help)
                .tags(tags(values))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(longest)
                .register(registry);
    }

    private Tags tags(String... values) {
        Tags tags = Tags.empty();
        for (int i = 0; i < values.length; i++) {
            tags = tags.and(labels.get(i), values[i]);
        }
        return tags;
    }

    private void check(Type expected, String... values) {
        if (type != expected) {
            throw new IllegalStateException(this + " is a " + type + ", not a " + expected);
        }
        if (values.length != labels.size()) {
            throw new IllegalArgumentException(
                    this + " takes labels " + labels + ", given " + values.length + " values");
        }
    }
}

package dev.fleetsim.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.target.IotCoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated scenario, ready to run. Every time in it ({@code at}, {@code duration}, phase durations) is simulated
 * time; the runner divides by {@link #timeScale()} for real time.
 *
 * @param rolloutRateIncrease when the local stack raises an exponential rollout's rate (and what the report holds the
 *     rollout to)
 * @param timeout real-time cap on the whole run
 * @param duration simulated time to run for; null runs until every job is terminal
 * @param iotCore {@code target.iotCore}: the run plays against AWS IoT Core with these settings; null for the local
 *     stack
 * @param retention how many finished jobs the embedded local stack keeps and for how long (simulated), and the run
 *     keeps per-execution detail of
 */
public record Scenario(
        Path source,
        String name,
        long seed,
        double timeScale,
        RateIncrease rolloutRateIncrease,
        Retention retention,
        Duration timeout,
        Duration duration,
        FleetSpec fleet,
        List<GroupSpec> groups,
        List<CohortSpec> cohorts,
        List<ArtifactSpec> artifacts,
        List<JobSpec> jobs,
        List<ActionSpec> actions,
        List<Expectation> expectations,
        IotCoreSettings iotCore) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    public Scenario {
        groups = List.copyOf(groups);
        cohorts = List.copyOf(cohorts);
        artifacts = List.copyOf(artifacts);
        jobs = List.copyOf(jobs);
        actions = List.copyOf(actions);
        expectations = List.copyOf(expectations);
    }

    /**
     * This scenario with {@code prefix} before every name it gives a resource: thing names, group names, job ids and
     * the job ids and group names its actions and expectations refer to. A run against a shared account (IoT Core)
     * names its resources after the run this way, so two runs never collide and cleanup finds what a run made.
     * Targets written as ARNs stay as written.
     */
    public Scenario withPrefix(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        FleetSpec f = new FleetSpec(
                fleet.count(),
                prefix.replace("%", "%%") + fleet.thingNamePattern(),
                fleet.startIndex(),
                fleet.connectRate(),
                fleet.rampUp(),
                fleet.tls(),
                fleet.mqttVersion(),
                fleet.keepAlive(),
                fleet.sessions());
        List<JobSpec> prefixedJobs = jobs.stream()
                .map(j -> {
                    ObjectNode request = j.request().deepCopy();
                    request.put("jobId", prefix + j.jobId());
                    return new JobSpec(
                            prefix + j.jobId(),
                            j.at(),
                            request,
                            j.artifact(),
                            j.targets().stream()
                                    .map(t -> t.startsWith("arn:") ? t : prefix + t)
                                    .toList());
                })
                .toList();
        List<ActionSpec> prefixedActions = actions.stream()
                .map(a -> {
                    if (a instanceof ActionSpec.CancelJob c) {
                        return (ActionSpec)
                                new ActionSpec.CancelJob(c.at(), prefix + c.jobId(), c.force(), c.comment());
                    }
                    if (a instanceof ActionSpec.AddThingsToGroup g) {
                        return new ActionSpec.AddThingsToGroup(g.at(), prefix + g.group(), g.from(), g.to());
                    }
                    return a;
                })
                .toList();
        List<Expectation> prefixedExpectations = expectations.stream()
                .map(e -> {
                    if (e instanceof Expectation.JobStatus j) {
                        return (Expectation)
                                new Expectation.JobStatus(prefixed(prefix, j.jobId()), j.status(), j.text());
                    }
                    if (e instanceof Expectation.ExecutionCount c) {
                        return new Expectation.ExecutionCount(
                                prefixed(prefix, c.jobId()), c.status(), c.bound(), c.text());
                    }
                    if (e instanceof Expectation.RolloutDeviation r) {
                        return new Expectation.RolloutDeviation(prefixed(prefix, r.jobId()), r.bound(), r.text());
                    }
                    if (e instanceof Expectation.Aborted x) {
                        return new Expectation.Aborted(prefixed(prefix, x.jobId()), x.aborted(), x.text());
                    }
                    return e;
                })
                .toList();
        return new Scenario(
                source,
                name,
                seed,
                timeScale,
                rolloutRateIncrease,
                retention,
                timeout,
                duration,
                f,
                groups.stream()
                        .map(g -> new GroupSpec(prefix + g.name(), g.from(), g.to()))
                        .toList(),
                cohorts,
                artifacts,
                prefixedJobs,
                prefixedActions,
                prefixedExpectations,
                iotCore);
    }

    /** This scenario with jobs created during the run (from the live console) added, for its report. */
    public Scenario withJobsAdded(List<JobSpec> added) {
        if (added.isEmpty()) {
            return this;
        }
        List<JobSpec> all = new ArrayList<>(jobs);
        all.addAll(added);
        return new Scenario(
                source,
                name,
                seed,
                timeScale,
                rolloutRateIncrease,
                retention,
                timeout,
                duration,
                fleet,
                groups,
                cohorts,
                artifacts,
                all,
                actions,
                expectations,
                iotCore);
    }

    private static String prefixed(String prefix, String jobId) {
        return jobId == null ? null : prefix + jobId;
    }

    /** Real time for a simulated duration. */
    public Duration real(Duration simulated) {
        return Duration.ofNanos((long) (simulated.toNanos() / timeScale));
    }

    /** {@code tls}: devices connect over mutual TLS with a certificate each, minted through CreateKeysAndCertificate. */
    public record FleetSpec(
            int count,
            String thingNamePattern,
            int startIndex,
            int connectRate,
            Duration rampUp,
            boolean tls,
            MqttVersion mqttVersion,
            Duration keepAlive,
            Sessions sessions) {
        public static final String DEFAULT_PATTERN = "sim-%05d";
        public static final int DEFAULT_CONNECT_RATE = 500;
        public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);

        public String thingName(int i) {
            return String.format(thingNamePattern, startIndex + i);
        }
    }

    /**
     * How devices connect: a clean session each time (the default, as most device SDKs), or a persistent one (MQTT 5
     * session expiry, {@code cleanSession=false} on 3.1.1): the broker keeps the subscriptions and the notifications a
     * device missed while away, so a device back after a drop or a restarted shard hears them.
     */
    public enum Sessions {
        clean,
        persistent
    }

    /** A static thing group: the devices with index in [from, to). */
    public record GroupSpec(String name, int from, int to) {}

    /**
     * A cohort: the devices with index in [from, to) share a behaviour (phase durations already in real time), a
     * bandwidth (bytes/s, 0 = unlimited), a progress-report step (percent, 0 = none) and the MQTT version its devices
     * speak (null: the fleet's).
     */
    public record CohortSpec(
            String name,
            int from,
            int to,
            Behaviour behaviour,
            long bandwidth,
            int progressStep,
            MqttVersion mqttVersion) {}

    /** An artifact uploaded before the jobs: generated ({@code size}) or read from {@code file}. */
    public record ArtifactSpec(String name, String bucket, String key, long size, Path file, boolean signed) {}

    /**
     * A job: AWS CreateJob request fields as JSON ({@code request}, with {@code jobId}), created {@code at} after the
     * fleet is ready. {@code artifact} names an artifact whose document fragment is merged into the document.
     * {@code targets} as written: thing names, group names or ARNs; empty targets the whole fleet.
     */
    public record JobSpec(String jobId, Duration at, ObjectNode request, String artifact, List<String> targets) {
        public JobSpec {
            targets = List.copyOf(targets);
        }

        /** A configuration block of the request (e.g. {@code abortConfig}) as the Jobs service reads it; null if absent. */
        public <T> T config(String field, Class<T> type) {
            JsonNode raw = request.get(field);
            if (raw == null) {
                return null;
            }
            try {
                return JobsJson.mapper().treeToValue(raw, type);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** A timeline entry. */
    public sealed interface ActionSpec {
        Duration at();

        /** The same action at another time (a repeated action's later occurrences). */
        ActionSpec at(Duration when);

        record CancelJob(Duration at, String jobId, boolean force, String comment) implements ActionSpec {
            @Override
            public CancelJob at(Duration when) {
                return new CancelJob(when, jobId, force, comment);
            }
        }

        /** Adds the devices with index in [from, to) to a group (created when missing). */
        record AddThingsToGroup(Duration at, String group, int from, int to) implements ActionSpec {
            @Override
            public AddThingsToGroup at(Duration when) {
                return new AddThingsToGroup(when, group, from, to);
            }
        }

        /** Takes the devices with index in [from, to) offline for {@code duration} (simulated). */
        record Offline(Duration at, int from, int to, Duration duration) implements ActionSpec {
            @Override
            public Offline at(Duration when) {
                return new Offline(when, from, to, duration);
            }
        }

        /** The broker drops every connection and refuses new ones for {@code duration} (simulated). */
        record RestartBroker(Duration at, Duration duration) implements ActionSpec {
            @Override
            public RestartBroker at(Duration when) {
                return new RestartBroker(when, duration);
            }
        }

        /** A seeded share of the fleet drops its connections for {@code duration} (simulated). */
        record DisconnectStorm(Duration at, double share, Duration duration) implements ActionSpec {
            @Override
            public DisconnectStorm at(Duration when) {
                return new DisconnectStorm(when, share, duration);
            }
        }
    }

    /** A check made at the end; a failed one makes the run exit 1. */
    public sealed interface Expectation {
        /** Text as written, for the report. */
        String text();

        record JobStatus(String jobId, String status, String text) implements Expectation {}

        /** Executions of {@code status}: a count, or a percentage of the job's targets. */
        record ExecutionCount(String jobId, String status, Bound bound, String text) implements Expectation {}

        /** The largest |observed − allowed| executions notified in any simulated minute. */
        record RolloutDeviation(String jobId, Bound bound, String text) implements Expectation {}

        /** Whether {@code abortConfig} stopped the job. */
        record Aborted(String jobId, boolean aborted, String text) implements Expectation {}

        /** A latency percentile of a phase, in milliseconds. */
        record Latency(String phase, double percentile, Bound bound, String text) implements Expectation {}
    }

    /** {@code op value} with the value a count, a percentage ({@code percent}) or milliseconds. */
    public record Bound(String op, double value, boolean percent) {
        public boolean test(double actual) {
            return switch (op) {
                case "<" -> actual < value;
                case "<=" -> actual <= value;
                case ">" -> actual > value;
                case ">=" -> actual >= value;
                case "==" -> actual == value;
                default -> throw new IllegalStateException(op);
            };
        }

        @Override
        public String toString() {
            return op + " " + (value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value))
                    + (percent ? "%" : "");
        }
    }
}

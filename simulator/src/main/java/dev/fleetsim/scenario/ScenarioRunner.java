package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.artifact.Artifact;
import dev.fleetsim.artifact.Artifacts;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.device.TeeListener;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.fleet.DeviceIdentities;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RolloutMath;
import dev.fleetsim.metrics.Phase;
import dev.fleetsim.metrics.ProcessMeters;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.ParallelCalls;
import dev.fleetsim.net.TlsProvider;
import dev.fleetsim.target.FleetSetup;
import dev.fleetsim.target.Target;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobProcessDetails;
import software.amazon.awssdk.services.iot.model.JobStatus;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Plays a scenario as the operator's application would, against a {@link Target}: creates things, groups, artifacts
 * and jobs through the AWS SDK ({@code IotClient}, {@code S3Client}) against its endpoints, connects the fleet, drives
 * the timeline, observes through the listener seam, and leaves the report.
 */
public final class ScenarioRunner {
    private static final Duration FLEET_READY_TIMEOUT = Duration.ofMinutes(3);
    /** Samples kept for the report's curves (see {@code sample()}). */
    static final int MAX_SAMPLES = 2_048;

    /**
     * Where the report goes, whether progress goes to a terminal (a line a second) or a log (every 5 s), and who
     * watches the run live (the console), or null.
     */
    public record Options(Path reportDir, boolean tty, LiveRun.Watcher watcher, RemoteFleet shards) {
        public Options(Path reportDir, boolean tty) {
            this(reportDir, tty, null, null);
        }

        public Options(Path reportDir, boolean tty, LiveRun.Watcher watcher) {
            this(reportDir, tty, watcher, null);
        }
    }

    private final Options options;
    private final Consumer<String> out;
    private final RunObserver.Sink sink;
    private volatile boolean stopRequested;

    /** Ends the run at its next step (Ctrl-C on a soak): the report is still written, marked stopped early. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * @param out receives progress lines (the CLI prints them)
     * @param sink gets the observer as soon as it exists (the CLI serves its metrics)
     */
    public ScenarioRunner(Options options, Consumer<String> out, RunObserver.Sink sink) {
        this.options = options;
        this.out = out;
        this.sink = sink;
    }

    /** Plays {@code scenario} against {@code target}, which the caller started and closes. */
    public RunReport run(Scenario scenario, Target target) throws Exception {
        EventLoopGroup downloadTimers = EventLoops.create(1, "fleetsim-download-shaper");
        try (Downloader downloader = new Downloader(downloadTimers, Downloader.Settings.defaults())) {
            // On a shared target every name the run gives carries the run's prefix (IoT Core: the run id).
            Scenario named =
                    target.setup().map(s -> scenario.withPrefix(s.prefix())).orElse(scenario);
            Run run = new Run(named, target, downloader);
            try {
                return run.play();
            } finally {
                run.end();
            }
        } finally {
            downloadTimers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** One run's state. */
    private final class Run implements LiveRun {
        private final Scenario scenario;
        private final Target target;
        /** How a shared target wants resources made (IoT Core), or empty: the run makes them directly. */
        private final Optional<FleetSetup> setup;

        private final Clock clock;
        private final IotClient iot;
        private final S3Client s3;
        private final Downloader downloader;
        private final RunObserver observer;
        private final Map<String, String> groupArns = new LinkedHashMap<>();
        /** Each thing's TLS configuration when a shared target's setup made the fleet, else null. */
        private Function<String, MqttClientSslConfig> provisioned;

        private final Map<String, Artifact> artifacts = new LinkedHashMap<>();
        private final Map<String, Instant> jobCreatedAt = new LinkedHashMap<>();
        private final List<RunReport.Sample> samples = new ArrayList<>();
        private long sampleTick = -1;
        private long sampleStride = 1;
        private final Set<String> terminalJobs = new HashSet<>();
        /** The latest DescribeJob of each created job, from {@link #refresh()}. */
        private final Map<String, Job> latest = new LinkedHashMap<>();
        /** Terminal jobs already shown once on a progress line. */
        private final Set<String> shownTerminal = new HashSet<>();
        /** Terminal jobs whose per-execution detail is still kept, first finished first. */
        private final ArrayDeque<String> detailed = new ArrayDeque<>();
        /** Terminal jobs past the retention: their last description stays, their per-execution detail is gone. */
        private final Set<String> retired = new HashSet<>();

        private final long realStart = System.nanoTime();
        private final Instant simulatedStart;
        private volatile Fleet fleet;

        /** The live watcher's listener (NONE without one), and what the run last published for it. */
        private final DeviceListener watching;

        /** Operator actions from the watcher, and what the run publishes for it. */
        private final RunControls controls = new RunControls();

        private Map<Phase, LiveRun.Latency> latency = Map.of();
        /** Jobs created during the run by the watcher; they are in the report like the scenario's. */
        private final List<Scenario.JobSpec> addedJobs = new ArrayList<>();

        Run(Scenario scenario, Target target, Downloader downloader) {
            this.scenario = scenario;
            this.target = target;
            this.setup = target.setup();
            this.clock = target.clock();
            this.iot = target.iot();
            this.s3 = target.s3();
            this.downloader = downloader;
            this.observer = new RunObserver(clock, scenario.timeScale());
            observer.runInfo(scenario.name(), scenario.seed(), scenario.timeScale());
            this.simulatedStart = clock.instant();
            sink.accept(observer);
            this.watching = options.watcher() == null
                    ? DeviceListener.NONE
                    : options.watcher().watch(this);
        }

        // ------------------------------------------------------------ LiveRun

        @Override
        public Scenario scenario() {
            return scenario;
        }

        @Override
        public RunObserver observer() {
            return observer;
        }

        @Override
        public List<VirtualDevice> devices() {
            Fleet f = fleet;
            return f == null ? List.of() : f.devices();
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public String target() {
            return target.describe();
        }

        @Override
        public LiveRun.Snapshot snapshot() {
            return controls.snapshot();
        }

        @Override
        public CompletableFuture<String> createJob(ObjectNode request) {
            return controls.submit(() -> {
                ObjectNode copy = request.deepCopy();
                JsonNode artifact = copy.remove("artifact");
                if (artifact != null && !artifacts.containsKey(artifact.asText())) {
                    throw new IllegalArgumentException("no artifact '" + artifact.asText() + "' in this run; it has "
                            + String.join(", ", artifacts.keySet()));
                }
                String jobId = copy.path("jobId").asText("");
                if (jobId.isEmpty()) {
                    throw new IllegalArgumentException("jobId is required");
                }
                if (jobCreatedAt.containsKey(jobId)) {
                    throw new IllegalArgumentException("this run already created a job '" + jobId + "'");
                }
                List<String> targets = new ArrayList<>();
                JsonNode given = copy.remove("targets");
                if (given != null) {
                    given.forEach(t -> targets.add(t.asText()));
                }
                JsonNode document = copy.get("document");
                if (document != null && document.isObject()) {
                    copy.put("document", document.toString());
                }
                AwsShapes.createJob(copy); // the SDK model's check, before anything is sent
                Scenario.JobSpec spec = new Scenario.JobSpec(
                        jobId, Duration.ZERO, copy, artifact == null ? null : artifact.asText(), targets);
                createJob(spec, System.nanoTime());
                addedJobs.add(spec);
                return jobId;
            });
        }

        @Override
        public CompletableFuture<Void> cancelJob(String jobId, boolean force) {
            return controls.submit(() -> {
                iot.cancelJob(r -> r.jobId(jobId).force(force).comment("canceled from the live console"));
                out.accept("console: cancelJob " + jobId + (force ? " (force)" : ""));
                return null;
            });
        }

        @Override
        public JobExecution describeExecution(String jobId, String thingName) {
            return LiveRun.describeExecution(iot, jobId, thingName);
        }

        /** Refuses what the watcher still asks, and tells it the run is over. */
        void end() {
            controls.end(clock.instant(), (System.nanoTime() - realStart) / 1e9);
            if (options.watcher() != null) {
                options.watcher().finished();
            }
        }

        /** What the watcher reads: the latest DescribeJob of each job, the rollout now, the latency percentiles. */
        private void publish() {
            if (options.watcher() == null) {
                return;
            }
            Map<String, LiveRun.Rollout> rollout = new LinkedHashMap<>();
            for (Map.Entry<String, Job> e : latest.entrySet()) {
                LiveRun.Rollout before = controls.snapshot().rollout().get(e.getKey());
                if (before != null && terminalJobs.contains(e.getKey())) {
                    rollout.put(e.getKey(), before); // finished: its rollout no longer changes
                    continue;
                }
                RolloutNow r = rolloutNow(e.getKey(), e.getValue().jobProcessDetails());
                rollout.put(e.getKey(), new LiveRun.Rollout(r.notified(), r.allowed()));
            }
            controls.publish(new LiveRun.Snapshot(
                    clock.instant(),
                    (System.nanoTime() - realStart) / 1e9,
                    Collections.unmodifiableMap(new LinkedHashMap<>(latest)), // in creation order
                    rollout,
                    latency,
                    false));
        }

        RunReport play() throws Exception {
            Path reportDir = options.reportDir();
            observer.logTo(reportDir);
            Scenario.FleetSpec spec = scenario.fleet();
            out.accept(target.describe());
            register(spec);
            uploadArtifacts();

            // A target without plain MQTT (IoT Core, a strict local stack) takes devices over mutual TLS only.
            boolean tls = spec.tls() || target.mqtt().isEmpty();
            RemoteFleet shards = options.shards();
            if (shards != null && tls) {
                throw new IllegalArgumentException("a sharded run connects its devices over plain MQTT: fleet.tls, a"
                        + " strict stack and IoT Core are not sharded yet (run one process per shard with fleetsim"
                        + " devices --shard i/N instead)");
            }
            Target.Endpoint endpoint = (tls ? target.mqtts() : target.mqtt())
                    .orElseThrow(() -> new IllegalStateException(
                            "the target has no MQTT" + (tls ? " over TLS" : "") + " listener"));
            if (shards != null) {
                long connectStart = System.nanoTime();
                try {
                    shards.connect(
                            endpoint.host(),
                            endpoint.port(),
                            target.codeSigner()
                                    .map(Target.CodeSigner::certificate)
                                    .orElse(null),
                            clock,
                            observer,
                            out);
                    out.accept(String.format(
                            "devices ready: %,d/%,d in %.1f s",
                            observer.counts().ready(), spec.count(), (System.nanoTime() - connectStart) / 1e9));
                    return finish(timeline());
                } finally {
                    shards.stop(Duration.ofSeconds(30)); // a no-op once finish() stopped them
                    observer.close();
                }
            }
            DeviceConfig plain = FleetPlan.base(spec, endpoint);
            DeviceConfig base = tls ? plain.withTls(identities(spec)) : plain;
            if (tls) {
                out.accept("device TLS: " + TlsProvider.describe());
            }
            double quota = setup.map(FleetSetup::connectsPerSecond).orElse(0.0);
            int connectRate = quota > 0 ? (int) Math.max(1, Math.min(spec.connectRate(), quota)) : spec.connectRate();
            fleet = FleetPlan.build(
                    scenario,
                    base,
                    target.codeSigner()
                            .map(signer -> signer.certificate().getPublicKey())
                            .orElse(null),
                    downloader,
                    watching == DeviceListener.NONE ? observer : new TeeListener(observer, watching),
                    Shard.ALL,
                    connectRate);
            try {
                long connectStart = System.nanoTime();
                try {
                    fleet.start().get(FLEET_READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // Devices that failed show in the counts; the run goes on with the ready ones.
                }
                out.accept(String.format(
                        "devices ready: %,d/%,d in %.1f s",
                        observer.counts().ready(), spec.count(), (System.nanoTime() - connectStart) / 1e9));
                boolean timedOut = timeline();
                return finish(timedOut);
            } finally {
                fleet.close();
                observer.close();
            }
        }

        /** Things and groups through the AWS SDK, a few requests at a time; a shared target's setup makes them. */
        private void register(Scenario.FleetSpec spec) throws Exception {
            long start = System.nanoTime();
            if (setup.isPresent()) {
                provisioned = setup.get().provision(thingNames(spec));
            } else {
                forEachDevice(0, spec.count(), i -> iot.createThing(r -> r.thingName(spec.thingName(i))));
            }
            for (Scenario.GroupSpec g : scenario.groups()) {
                addToGroup(g.name(), g.from(), g.to());
            }
            if (scenario.jobs().stream().anyMatch(j -> j.targets().isEmpty())) {
                // A job without targets goes to the whole fleet: its group is set up now, with the rest, so creating
                // the job at its time is one call (adding every thing then would delay it, and count in its latency).
                fleetGroup();
            }
            out.accept(String.format(
                    "registered %,d things and %d groups through the AWS SDK in %.1f s",
                    spec.count(), scenario.groups().size(), (System.nanoTime() - start) / 1e9));
        }

        private List<String> thingNames(Scenario.FleetSpec spec) {
            List<String> things = new ArrayList<>(spec.count());
            for (int i = 0; i < spec.count(); i++) {
                things.add(spec.thingName(i));
            }
            return things;
        }

        /** A certificate per thing through CreateKeysAndCertificate and AttachThingPrincipal, as an operator would. */
        private DeviceTls identities(Scenario.FleetSpec spec) throws Exception {
            if (provisioned != null) {
                return provisioned::apply; // made by the target's setup with the things
            }
            long start = System.nanoTime();
            DeviceTls tls = DeviceIdentities.mint(iot, thingNames(spec), target.trustAnchor());
            out.accept(String.format(
                    "minted %,d device certificates (CreateKeysAndCertificate) in %.1f s; devices use mTLS",
                    spec.count(), (System.nanoTime() - start) / 1e9));
            return tls;
        }

        private String fleetGroup() throws Exception {
            String name = setup.map(FleetSetup::prefix).orElse("") + "fleetsim-all";
            if (!groupArns.containsKey(name)) {
                scenario.groups().stream()
                        .filter(g -> g.from() == 0 && g.to() == scenario.fleet().count())
                        .findFirst()
                        .ifPresent(g -> groupArns.put(name, groupArns.get(g.name())));
            }
            if (!groupArns.containsKey(name)) {
                addToGroup(name, 0, scenario.fleet().count());
            }
            return groupArns.get(name);
        }

        /** Adds the devices with index in [from, to) to a group, creating the group when missing. */
        private void addToGroup(String group, int from, int to) throws Exception {
            if (!groupArns.containsKey(group)) {
                groupArns.put(
                        group,
                        setup.isPresent()
                                ? setup.get().createGroup(group)
                                : iot.createThingGroup(r -> r.thingGroupName(group))
                                        .thingGroupArn());
            }
            forEachDevice(
                    from,
                    to,
                    i -> iot.addThingToThingGroup(r ->
                            r.thingGroupName(group).thingName(scenario.fleet().thingName(i))));
        }

        /** One SDK call per device index in [from, to), four at a time; the first failure is thrown. */
        private void forEachDevice(int from, int to, IntConsumer call) throws Exception {
            ParallelCalls.map(
                    "fleetsim-register", 4, IntStream.range(from, to).boxed().toList(), i -> {
                        call.accept(i);
                        return i;
                    });
        }

        private void uploadArtifacts() throws IOException {
            for (Scenario.ArtifactSpec a : scenario.artifacts()) {
                Path file = a.file();
                Path temp = null;
                if (file == null) {
                    temp = Files.createTempFile("fleetsim-artifact-", ".bin");
                    Artifacts.generate(
                            temp, a.size(), scenario.seed() ^ a.name().hashCode());
                    file = temp;
                }
                try {
                    Artifact artifact = Artifacts.upload(
                            s3,
                            a.bucket(),
                            a.key(),
                            file,
                            a.signed()
                                    ? target.codeSigner()
                                            .map(Target.CodeSigner::key)
                                            .orElseThrow(() -> new IllegalStateException("artifact " + a.name()
                                                    + " is to be signed, but the target" + " has no code-signing key"))
                                    : null,
                            true);
                    artifacts.put(a.name(), artifact);
                    out.accept(String.format(
                            "artifact %s: s3://%s/%s, %,d bytes%s",
                            a.name(), a.bucket(), a.key(), artifact.size(), a.signed() ? ", signed" : ""));
                } finally {
                    if (temp != null) {
                        Files.deleteIfExists(temp);
                    }
                }
            }
        }

        /** Jobs and actions at their times; returns true when the real-time cap ended the run. */
        private boolean timeline() throws Exception {
            List<Object> events = new ArrayList<>();
            events.addAll(scenario.jobs());
            events.addAll(scenario.actions());
            events.sort(Comparator.comparing(
                    e -> e instanceof Scenario.JobSpec j ? j.at() : ((Scenario.ActionSpec) e).at()));
            // Events and the end are due in simulated time (a paused clock holds them); the timeout is real time, less
            // what the clock spent paused.
            Instant t0 = clock.instant();
            Duration end = scenario.duration() == null ? null : scenario.duration();
            int next = 0;
            long lastProgress = 0;
            long lastRefresh = 0;
            while (true) {
                long now = System.nanoTime();
                Duration elapsed = Duration.between(t0, clock.instant());
                controls.runAll();
                while (next < events.size()) {
                    Object e = events.get(next);
                    Duration at = e instanceof Scenario.JobSpec j ? j.at() : ((Scenario.ActionSpec) e).at();
                    if (at.compareTo(elapsed) > 0) {
                        break;
                    }
                    if (e instanceof Scenario.JobSpec job) {
                        // Intended at: now, less the real time since the simulated moment it was due.
                        createJob(job, now - scenario.real(elapsed.minus(at)).toNanos());
                    } else {
                        act((Scenario.ActionSpec) e);
                    }
                    next++;
                }
                boolean refreshed = false;
                if (now - lastRefresh >= TimeUnit.MILLISECONDS.toNanos(250)) {
                    lastRefresh = now;
                    refresh();
                    publish();
                    refreshed = true;
                }
                if (now - lastProgress >= TimeUnit.SECONDS.toNanos(1)) {
                    lastProgress = now;
                    observer.drain();
                    if (options.watcher() != null) {
                        latency = RunControls.latencies(observer);
                    }
                    sample();
                    // A line a second on a terminal; every 5 s into a file or a CI log.
                    if (options.tty() || sampleTick % 5 == 0) {
                        progress();
                    }
                }
                boolean allCreated = next >= events.size();
                if (end != null && elapsed.compareTo(end) >= 0) {
                    return false;
                }
                if (refreshed
                        && scenario.duration() == null
                        && allCreated
                        && terminalJobs.containsAll(jobCreatedAt.keySet())) {
                    return false;
                }
                long paused = clock instanceof VirtualClock virtual ? virtual.pausedNanos() : 0;
                if (now - realStart - paused >= scenario.timeout().toNanos()) {
                    return true;
                }
                if (stopRequested) {
                    out.accept("stopping early: writing the report");
                    return false;
                }
                Thread.sleep(50);
            }
        }

        /** Every job terminal; a job seen terminal is not asked again (a long series would cost a call each). */
        /**
         * DescribeJob for every created job not yet seen terminal; the one poll the progress line and the end of the
         * run both read (a job seen terminal is not asked again: a long series would cost a call each).
         */
        private void refresh() {
            for (String jobId : jobCreatedAt.keySet()) {
                if (terminalJobs.contains(jobId)) {
                    continue;
                }
                Job job = describe(jobId);
                if (job == null) {
                    terminalJobs.add(jobId); // removed by the service's retention between two looks
                    retired.add(jobId);
                    observer.forget(jobId);
                    continue;
                }
                latest.put(jobId, job);
                RolloutNow rollout = rolloutNow(jobId, job.jobProcessDetails());
                observer.jobProgress(
                        jobId, RunReport.counts(job.jobProcessDetails()), rollout.notified(), rollout.allowed());
                if (job.status() != JobStatus.IN_PROGRESS && job.status() != JobStatus.SCHEDULED) {
                    terminalJobs.add(jobId);
                    detailed.add(jobId);
                }
            }
            // The same retention as the stack's: a soak keeps the detail of its latest finished jobs, not all of them.
            while (detailed.size() > scenario.retention().completedJobs()) {
                String oldest = detailed.poll();
                retired.add(oldest);
                observer.forget(oldest);
            }
        }

        /** DescribeJob, or null when the service no longer has the job (deleted, or past its retention). */
        private Job describe(String jobId) {
            try {
                return iot.describeJob(r -> r.jobId(jobId)).job();
            } catch (ResourceNotFoundException gone) {
                return null;
            }
        }

        private void createJob(Scenario.JobSpec job, long intendedNanos) throws Exception {
            ObjectNode request = job.request().deepCopy();
            if (job.artifact() != null) {
                Artifact artifact = artifacts.get(job.artifact());
                ObjectNode document = request.has("document")
                        ? (ObjectNode) JobsJson.readTree(request.get("document").asText())
                        : JobsJson.mapper().createObjectNode();
                document.setAll(artifact.documentFragment());
                request.put("document", document.toString());
                if (!request.has("presignedUrlConfig")) {
                    request.putObject("presignedUrlConfig")
                            .put("roleArn", target.presignRoleArn())
                            .put("expiresInSec", 3600);
                }
            }
            var targets = request.putArray("targets");
            if (job.targets().isEmpty()) {
                targets.add(fleetGroup());
            } else {
                for (String t : job.targets()) {
                    // Names, or ARNs from another account or region (as pasted from AWS): this stack's ARN.
                    String name = t.replaceAll("^arn:aws[a-z-]*:iot:[^:]*:[^:]*:(thing|thinggroup)/", "");
                    targets.add(
                            groupArns.containsKey(name) && !t.contains(":thing/")
                                    ? groupArns.get(name)
                                    : target.thingArn(name));
                }
            }
            setup.ifPresent(s -> s.markJob(request));
            observer.jobStarting(job.jobId(), intendedNanos);
            if (options.shards() != null) {
                options.shards().jobStarting(job.jobId(), intendedNanos);
            }
            iot.createJob(AwsShapes.createJob(request));
            Instant created = iot.describeJob(r -> r.jobId(job.jobId())).job().createdAt();
            jobCreatedAt.put(job.jobId(), created);
            out.accept("job " + job.jobId() + " created, targets "
                    + job.targets().size() + " named" + (job.targets().isEmpty() ? " (the whole fleet)" : ""));
        }

        private void act(Scenario.ActionSpec action) throws Exception {
            if (action instanceof Scenario.ActionSpec.CancelJob c) {
                iot.cancelJob(r -> r.jobId(c.jobId()).force(c.force()).comment(c.comment()));
                out.accept("action: cancelJob " + c.jobId() + (c.force() ? " (force)" : ""));
            } else if (action instanceof Scenario.ActionSpec.AddThingsToGroup a) {
                addToGroup(a.group(), a.from(), a.to());
                out.accept("action: added devices " + a.from() + "-" + (a.to() - 1) + " to group " + a.group());
            } else if (action instanceof Scenario.ActionSpec.Offline o) {
                if (options.shards() != null) {
                    options.shards().offline(o.from(), o.to(), scenario.real(o.duration()));
                } else {
                    fleet.inFleetRange(o.from(), o.to(), d -> d.goOffline(scenario.real(o.duration())));
                }
                out.accept("action: devices " + o.from() + "-" + (o.to() - 1) + " offline for " + hms(o.duration()));
            } else if (action instanceof Scenario.ActionSpec.RestartBroker r) {
                var restart = target.restartBroker(scenario.real(r.duration()));
                if (restart.isEmpty()) {
                    out.accept("action: restartBroker skipped: this target does not let a run restart its broker");
                } else {
                    int dropped = restart.get().get(30, TimeUnit.SECONDS);
                    out.accept("action: broker restart, " + dropped + " connections dropped, down for "
                            + hms(r.duration()));
                }
            } else if (action instanceof Scenario.ActionSpec.DisconnectStorm s) {
                if (options.shards() != null) {
                    options.shards().disconnectStorm(s.share(), scenario.real(s.duration()), scenario.seed());
                    out.accept("action: disconnect storm on every shard, " + Math.round(s.share() * 100)
                            + "% of the devices for " + hms(s.duration()));
                    return;
                }
                int hit = fleet.disconnectStorm(s.share(), scenario.real(s.duration()), scenario.seed());
                out.accept("action: disconnect storm, " + hit + " devices for " + hms(s.duration()));
            }
        }

        /**
         * A sample a second, kept to at most {@link #MAX_SAMPLES}: when full, every other one goes and the stride
         * doubles, so an hours-long soak keeps its whole curve in bounded memory and a report of a few hundred kB.
         */
        private void sample() {
            if (++sampleTick % sampleStride != 0) {
                return;
            }
            long realNanos = System.nanoTime() - realStart;
            Duration simulated = Duration.between(simulatedStart, clock.instant());
            ProcessMeters.Sample p = ProcessMeters.sample();
            samples.add(new RunReport.Sample(
                    realNanos / 1e9,
                    simulated.toMillis() / 1000.0,
                    observer.counts().connected(),
                    observer.counts().downloadedBytes(),
                    p.heapUsedBytes(),
                    p.heapAfterGcBytes(),
                    p.openFiles(),
                    p.threads()));
            if (samples.size() >= MAX_SAMPLES) {
                for (int i = samples.size() - 2; i > 0; i -= 2) {
                    samples.remove(i); // keeps the first and the last
                }
                sampleStride *= 2;
            }
        }

        private void progress() {
            long realNanos = System.nanoTime() - realStart;
            Duration simulated = Duration.between(simulatedStart, clock.instant());
            StringBuilder line = new StringBuilder(String.format(
                    "[%5.1fs real, %s simulated] connected %,d",
                    realNanos / 1e9, hms(simulated), observer.counts().connected()));
            for (Map.Entry<String, Job> e : latest.entrySet()) {
                String jobId = e.getKey();
                Job job = e.getValue();
                if (terminalJobs.contains(jobId) && !shownTerminal.add(jobId)) {
                    continue; // done, and shown as done once: its line would not change
                }
                var d = job.jobProcessDetails();
                line.append(String.format(
                        " | %s %s: queued %d, in progress %d, succeeded %d, failed %d",
                        jobId,
                        job.statusAsString(),
                        d.numberOfQueuedThings(),
                        d.numberOfInProgressThings(),
                        d.numberOfSucceededThings(),
                        d.numberOfFailedThings() + d.numberOfTimedOutThings() + d.numberOfRejectedThings()));
                if (job.status() == JobStatus.IN_PROGRESS) {
                    line.append(notificationRate(jobId, d));
                }
            }
            if (samples.size() > 1) {
                RunReport.Sample a = samples.get(samples.size() - 2);
                RunReport.Sample b = samples.get(samples.size() - 1);
                double mibs = (b.downloadedBytes() - a.downloadedBytes())
                        / (double) (1 << 20)
                        / (b.realSeconds() - a.realSeconds());
                if (mibs > 0) {
                    line.append(String.format(" | download %.1f MiB/s", mibs));
                }
            }
            out.accept(line.toString());
        }

        /** Notifications in the last simulated minute, against the rate AWS's formula gives now. */
        private String notificationRate(String jobId, JobProcessDetails d) {
            RolloutNow r = rolloutNow(jobId, d);
            return String.format(
                    ", notified %d in the last simulated minute (rate now %d/min)", r.notified(), r.allowed());
        }

        /** Executions first notified in the last simulated minute, and the rate AWS's formula gives now. */
        private record RolloutNow(long notified, int allowed) {}

        private RolloutNow rolloutNow(String jobId, JobProcessDetails d) {
            long now = clock.millis();
            List<Long> received = observer.receivedTimes(jobId);
            long lastMinute = received.stream().filter(t -> t > now - 60_000).count();
            Scenario.JobSpec spec = Stream.concat(scenario.jobs().stream(), addedJobs.stream())
                    .filter(j -> j.jobId().equals(jobId))
                    .findFirst()
                    .orElseThrow();
            var config = spec.config("jobExecutionsRolloutConfig", JobConfig.Rollout.class);
            int rate = RolloutMath.ratePerMinute(
                    config,
                    received.size(),
                    d == null || d.numberOfSucceededThings() == null ? 0 : d.numberOfSucceededThings());
            return new RolloutNow(lastMinute, rate);
        }

        private RunReport finish(boolean timedOut) throws Exception {
            // The service counts a status before the device reads the answer: let device-side reports catch up.
            long grace = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < grace && !caughtUp()) {
                Thread.sleep(20);
            }
            if (options.shards() != null) {
                options.shards().stop(Duration.ofSeconds(30)); // their last statuses and histograms
            }
            observer.drain();
            Map<String, Job> jobs = new LinkedHashMap<>();
            Map<String, List<Instant>> queuedAt = new LinkedHashMap<>();
            Map<String, List<RunObserver.Terminal>> completions = new LinkedHashMap<>();
            for (String jobId : jobCreatedAt.keySet()) {
                Job described = retired.contains(jobId) ? null : describe(jobId);
                if (described == null) {
                    // Past the retention: the report gives its last known status and counts, without series.
                    if (latest.containsKey(jobId)) {
                        jobs.put(jobId, latest.get(jobId));
                    }
                    continue;
                }
                jobs.put(jobId, described);
                List<Instant> queued = new ArrayList<>();
                List<RunObserver.Terminal> done = new ArrayList<>();
                iot.listJobExecutionsForJobPaginator(r -> r.jobId(jobId).maxResults(250))
                        .executionSummaries()
                        .forEach(e -> {
                            var summary = e.jobExecutionSummary();
                            queued.add(summary.queuedAt());
                            var status = JobExecutionStatus.valueOf(summary.statusAsString());
                            if (status.isTerminal() && summary.lastUpdatedAt() != null) {
                                done.add(new RunObserver.Terminal(
                                        summary.lastUpdatedAt().toEpochMilli(), status));
                            }
                        });
                done.sort(Comparator.comparingLong(RunObserver.Terminal::simulatedMillis));
                queuedAt.put(jobId, queued);
                completions.put(jobId, done);
            }
            RunReport report = RunReport.build(
                    scenario.withJobsAdded(addedJobs),
                    observer,
                    jobs,
                    jobCreatedAt,
                    queuedAt,
                    completions,
                    samples,
                    timedOut,
                    (System.nanoTime() - realStart) / 1e9,
                    Duration.between(simulatedStart, clock.instant()).toMillis() / 1000.0);
            report.json().put("stoppedEarly", stopRequested);
            if (options.shards() != null) {
                report.json().set("shards", options.shards().report());
            }
            return report;
        }

        private boolean caughtUp() {
            for (String jobId : jobCreatedAt.keySet()) {
                Job job = retired.contains(jobId) ? null : describe(jobId);
                if (job == null) {
                    continue;
                }
                var d = job.jobProcessDetails();
                if (observer.reported(jobId, JobExecutionStatus.SUCCEEDED) < d.numberOfSucceededThings()) {
                    return false;
                }
            }
            return true;
        }
    }

    static String hms(Duration d) {
        long s = d.getSeconds();
        return s >= 3600
                ? String.format("%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}

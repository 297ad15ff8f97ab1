package dev.fleetsim.local.jobs;

import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local IoT Jobs service: owns the engine thread and is the one entry point to the {@link JobsEngine} for the
 * broker (device MQTT requests), the HTTP server (control plane and HTTPS data plane) and Java callers.
 *
 * <p>Threading: all state lives on one engine thread; every method here hops onto it and returns a future (or
 * returns at once for fire-and-forget device requests). A ticker on the same thread runs the time-driven work:
 * every simulated second, and at least every 100 real milliseconds.
 */
public final class JobsService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobsService.class);

    /** Settings of the service. */
    public record Config(
            Clock clock,
            Arns arns,
            boolean eventsEnabled,
            CertificateIssuer issuer,
            LocalEndpoints endpoints,
            double deviceApiRatePerSecond,
            StatusDetailChars statusDetailChars,
            RateIncrease rateIncrease,
            Path journalDir,
            boolean strictPolicies,
            Retention retention) {
        public static Config of(Clock clock) {
            return new Config(
                    clock,
                    new Arns(Arns.DEFAULT_REGION, Arns.DEFAULT_ACCOUNT),
                    false,
                    null,
                    new LocalEndpoints("127.0.0.1:1883", "127.0.0.1:8443"),
                    0,
                    StatusDetailChars.TEXT,
                    RateIncrease.NEXT_MINUTE,
                    null,
                    false,
                    Retention.DEFAULT);
        }

        /** The same settings, with the state kept in {@code dir} (null: in memory only). */
        public Config withJournal(Path dir) {
            return new Config(
                    clock,
                    arns,
                    eventsEnabled,
                    issuer,
                    endpoints,
                    deviceApiRatePerSecond,
                    statusDetailChars,
                    rateIncrease,
                    dir,
                    strictPolicies,
                    retention);
        }
    }

    /** What recovery found in the state folder at start. */
    public record Recovery(long records, long journalBatches, int things, int jobs, int executions, long millis) {}

    /** Journal bytes after which the state is compacted into a new snapshot. */
    static final long COMPACT_AFTER_BYTES = 64L << 20;

    private final ScheduledExecutorService engineThread;
    private final JobsEngine engine;
    private final DeviceApi deviceApi;
    private final Config config;
    private final JobsMeters meters;
    private final ProvisioningApi provisioning;
    private final GatedOutbound gate;
    /** The durable state; null when the service keeps it in memory only. */
    private final Journal journal;

    private final Recovery recovery;

    public JobsService(Clock clock, JobsOutbound outbound) {
        this(Config.of(clock), outbound);
    }

    public JobsService(Config config, JobsOutbound outbound) {
        this.gate = new GatedOutbound(outbound);
        this.engine =
                new JobsEngine(config.clock(), config.arns(), gate, config.eventsEnabled(), config.rateIncrease());
        this.meters = new JobsMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        this.deviceApi =
                new DeviceApi(engine, gate, meters, config.deviceApiRatePerSecond(), config.statusDetailChars());
        engine.retention(config.retention() == null ? Retention.DEFAULT : config.retention());
        this.config = config;
        this.provisioning = new ProvisioningApi(engine, gate, config.issuer());
        if (config.journalDir() == null) {
            this.journal = null;
            this.recovery = null;
        } else {
            long start = System.nanoTime();
            try {
                Journal.Recovered recovered = Journal.read(config.journalDir());
                if (config.clock() instanceof VirtualClock virtual && recovered.lastNow() != null) {
                    virtual.advanceTo(recovered.lastNow()); // simulated time goes on from where it was
                }
                StateCodec.restore(engine, recovered.latest(), recovered.engineSequence());
                this.journal = Journal.open(config.journalDir(), recovered);
                this.recovery = new Recovery(
                        recovered.latest().size(),
                        recovered.journalBatches(),
                        engine.registry().things().size(),
                        engine.jobs().size(),
                        engine.jobs().stream()
                                .mapToInt(j -> j.executions.values().stream()
                                        .mapToInt(List::size)
                                        .sum())
                                .sum(),
                        (System.nanoTime() - start) / 1_000_000);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the jobs state in " + config.journalDir(), e);
            }
            engine.changes.enable();
            gate.hold();
        }
        this.engineThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleetsim-jobs-engine");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = 100;
        if (config.clock() instanceof VirtualClock virtual) {
            periodMillis = Math.max(5, Math.min(100, (long) (1000 / virtual.timeScale())));
        }
        engineThread.scheduleWithFixedDelay(
                () -> task(engine::tick, "jobs engine tick"), periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** What recovery found at start, or null when the service keeps its state in memory. */
    public Recovery recovery() {
        return recovery;
    }

    /** Engine thread: runs one task, then commits what it changed. */
    private void task(Runnable work, String what) {
        try {
            work.run();
        } catch (RuntimeException e) {
            log.error("{} failed", what, e);
        } finally {
            commit(null);
        }
    }

    /**
     * Engine thread: journals what the task changed and lets its answers and notifications (and {@code then}) go once
     * that is on disk; a task that changed nothing still waits for the changes before it, which its answers may show.
     */
    private void commit(Runnable then) {
        Runnable held = gate.release();
        Runnable release = then == null
                ? held
                : () -> {
                    held.run();
                    then.run();
                };
        if (journal == null) {
            release.run();
            return;
        }
        if (engine.changes.isEmpty()) {
            journal.whenDurable(release);
            return;
        }
        List<String> lines = new ArrayList<>();
        engine.changes.drain().forEach((key, value) -> lines.add(StateCodec.line(key, value)));
        Instant now = engine.now();
        journal.append(lines, now, engine.sequence(), release);
        if (journal.bytesSinceCompaction() > COMPACT_AFTER_BYTES) {
            journal.compact(StateCodec.all(engine), now, engine.sequence());
        }
    }

    /** A device on the plain listener published to a jobs topic; the answer goes to {@code clientId} only. */
    public void onDeviceRequest(String clientId, String topic, byte[] payload) {
        onDeviceRequest(clientId, null, topic, payload);
    }

    /**
     * A device published to a jobs or fleet-provisioning topic; the answer goes to {@code clientId} only. Never
     * blocks.
     *
     * @param certificateId the certificate the connection authenticated with, or null on the plain listener
     */
    public void onDeviceRequest(String clientId, String certificateId, String topic, byte[] payload) {
        if (ProvisioningApi.handles(topic)) {
            engineThread.execute(
                    () -> task(() -> provisioning.handle(clientId, certificateId, topic, payload), "provisioning"));
        } else {
            engineThread.execute(() -> task(() -> deviceApi.handle(clientId, topic, payload), "device request"));
        }
    }

    /**
     * Runs {@code work} on the engine thread and completes with its result once what it changed is durable: the one
     * way in for the control plane's handlers and for reads by the runner and tests. The work must not block.
     */
    public <T> CompletableFuture<T> onEngine(Function<JobsEngine, T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        engineThread.execute(() -> {
            T result = null;
            Throwable error = null;
            try {
                result = work.apply(engine);
            } catch (Throwable t) {
                error = t;
            }
            T value = result;
            Throwable failure = error;
            commit(() -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else {
                    done.complete(value);
                }
            });
        });
        return done;
    }

    /** The engine; touch it only inside {@link #onEngine}. */
    public JobsEngine engine() {
        return engine;
    }

    /** The device API, for the HTTPS data plane (engine thread). */
    public DeviceApi deviceApi() {
        return deviceApi;
    }

    public JobsMeters meters() {
        return meters;
    }

    public StatusDetailChars statusDetailChars() {
        return config.statusDetailChars();
    }

    /** The Prometheus exposition of the service's meters (catalogue: {@link JobsMeters}). */
    /** The registry behind {@link #scrape()}: a standalone stack adds the process's own meters to it. */
    public MeterRegistry meterRegistry() {
        return meters.registry();
    }

    public CompletableFuture<String> scrape() {
        return onEngine(() -> {
            meters.refresh(engine);
            return ((PrometheusMeterRegistry) meters.registry()).scrape();
        });
    }

    /** Runs time-driven work now (tests on a manual clock). */
    public CompletableFuture<Void> tick() {
        return onEngine(() -> {
            engine.tick();
            return null;
        });
    }

    /** Lets the engine use an artifact store to presign placeholders at each delivery. */
    public CompletableFuture<Void> useDocumentSource(DocumentSource source) {
        return onEngine(() -> {
            engine.documentSource = source;
            return null;
        });
    }

    public CompletableFuture<Void> usePresigner(DocumentPresigner presigner) {
        return onEngine(() -> {
            engine.presigner = presigner;
            return null;
        });
    }

    // ------------------------------------------------------------------ Java conveniences (runner, tests)

    /** Creates the things (CreateThing) that are not there yet. */
    public CompletableFuture<Void> registerThings(Collection<String> thingNames) {
        List<String> names = List.copyOf(thingNames);
        return onEngine(() -> {
            for (String name : names) {
                engine.registry().createThing(name, null, Map.of());
            }
            return null;
        });
    }

    /**
     * Creates a static thing group holding the given things (CreateThingGroup + AddThingToThingGroup) and returns its
     * ARN: a job can target a whole fleet through it (a job takes at most 100 targets).
     */
    public CompletableFuture<String> createGroup(String groupName, Collection<String> thingNames) {
        List<String> names = List.copyOf(thingNames);
        return onEngine(() -> {
            Registry.Group group = engine.registry().createGroup(groupName, null, null, Map.of(), engine.now());
            for (String name : names) {
                engine.addThingToGroup(name, groupName);
            }
            engine.flush();
            return group.arn();
        });
    }

    /** CreateJob with a target list (thing names or thing / group ARNs) and an inline document. */
    public CompletableFuture<JobView> createJob(CreateJobSpec spec) {
        return onEngine(() -> {
            Job job = engine.createJob(new JobsEngine.NewJob(
                    spec.jobId(),
                    spec.targets(),
                    null,
                    spec.document(),
                    null,
                    spec.description(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null));
            engine.flush();
            return job.view();
        });
    }

    /** A snapshot of the job, or empty when there is none. */
    public CompletableFuture<Optional<JobView>> describeJob(String jobId) {
        return onEngine(() -> Optional.ofNullable(engine.findJob(jobId)).map(Job::view));
    }

    /** Thread-safe: what a connection with this certificate and client id may do (null: unknown certificate). */
    public Registry.ConnectionGrant grant(String certificateId, String clientId) {
        return engine.registry().grant(certificateId, clientId, config.strictPolicies());
    }

    /** Calls {@code listener} (on the engine thread) whenever some connection's grant may have changed. */
    public void onAccessChange(Runnable listener) {
        engine.registry().onAccessChange(listener);
    }

    private <T> CompletableFuture<T> onEngine(Supplier<T> work) {
        return onEngine(engine -> work.get());
    }

    /** Stops the service; a durable one first writes a snapshot, so the next start reads one file. */
    @Override
    public void close() {
        if (journal != null) {
            try {
                engineThread
                        .submit(() -> {
                            commit(null);
                            journal.compact(StateCodec.all(engine), engine.now(), engine.sequence());
                        })
                        .get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("no snapshot at shutdown; the journal is replayed at the next start", e);
            }
        }
        engineThread.shutdown();
        try {
            engineThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (journal != null) {
            journal.close();
        }
    }
}

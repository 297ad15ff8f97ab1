package dev.fleetsim.local.jobs;

import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.RateIncrease;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
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
            RateIncrease rateIncrease) {
        public static Config of(Clock clock) {
            return new Config(
                    clock,
                    new Arns(Arns.DEFAULT_REGION, Arns.DEFAULT_ACCOUNT),
                    false,
                    null,
                    new LocalEndpoints("127.0.0.1:1883", "127.0.0.1:8443"),
                    0,
                    StatusDetailChars.TEXT,
                    RateIncrease.NEXT_MINUTE);
        }
    }

    private final ScheduledExecutorService engineThread;
    private final JobsEngine engine;
    private final DeviceApi deviceApi;
    private final Config config;
    private final JobsMeters meters;
    private final ProvisioningApi provisioning;

    public JobsService(Clock clock, JobsOutbound outbound) {
        this(Config.of(clock), outbound);
    }

    public JobsService(Config config, JobsOutbound outbound) {
        this.engine =
                new JobsEngine(config.clock(), config.arns(), outbound, config.eventsEnabled(), config.rateIncrease());
        this.meters = new JobsMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        this.deviceApi =
                new DeviceApi(engine, outbound, meters, config.deviceApiRatePerSecond(), config.statusDetailChars());
        this.config = config;
        this.provisioning = new ProvisioningApi(engine, outbound, config.issuer());
        this.engineThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleetsim-jobs-engine");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = 100;
        if (config.clock() instanceof VirtualClock virtual) {
            periodMillis = Math.max(5, Math.min(100, (long) (1000 / virtual.timeScale())));
        }
        engineThread.scheduleWithFixedDelay(this::tickSafely, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            engine.tick();
        } catch (RuntimeException e) {
            log.error("jobs engine tick failed", e);
        }
    }

    /** A device published to a jobs topic; the answer goes to {@code clientId} only. Never blocks. */
    public void onDeviceRequest(String clientId, String topic, byte[] payload) {
        if (ProvisioningApi.handles(topic)) {
            engineThread.execute(() -> provisioning.handle(clientId, topic, payload));
        } else {
            engineThread.execute(() -> deviceApi.handle(clientId, topic, payload));
        }
    }

    /**
     * Runs {@code work} on the engine thread and completes with its result: the one way in for the control plane's
     * handlers and for reads by the runner and tests. The work must not block.
     */
    public <T> CompletableFuture<T> onEngine(Function<JobsEngine, T> work) {
        return CompletableFuture.supplyAsync(() -> work.apply(engine), engineThread);
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

    /** Thread-safe: the status and things of a certificate, for the broker's mTLS authentication. */
    public Registry.CertificateAccess certificateAccess(String certificateId) {
        return engine.registry().certificateStatus(certificateId);
    }

    private <T> CompletableFuture<T> onEngine(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, engineThread);
    }

    @Override
    public void close() {
        engineThread.shutdown();
        try {
            engineThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

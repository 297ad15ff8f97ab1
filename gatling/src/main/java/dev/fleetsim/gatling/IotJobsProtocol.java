package dev.fleetsim.gatling;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.device.SteppedDevice;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.fleet.DeviceIdentities;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.LocalTarget;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.target.EndpointsFileTarget;
import dev.fleetsim.target.Target;
import io.gatling.core.session.Session;
import io.gatling.javaapi.core.ActionBuilder;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import scala.Option;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CreateJobRequest;
import software.amazon.awssdk.services.iot.model.JobStatus;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;

/**
 * fleetsim's IoT Jobs devices as a Gatling protocol. One Gatling virtual user is one fleetsim device (a
 * {@link SteppedDevice} on the protocol's shared Netty event loops, never a thread per user). Build one with
 * {@link IotJobs#iotJobs()}, start it in the simulation's {@code before()} and stop it in {@code after()}; its
 * methods are the actions:
 *
 * <ul>
 *   <li>device: {@link #connect}, {@link #subscribe}, {@link #getPending}, {@link #startNext}, {@link #describe},
 *       {@link #update}, {@link #awaitJob}, {@link #runJob}, {@link #disconnect}, {@link #offline};
 *   <li>operator: {@link #createJob}, {@link #cancelJob}, {@link #awaitJobStatus}, through the AWS SDK.
 * </ul>
 *
 * <p>Each action is a Gatling request named after the Jobs operation ({@code UpdateJobExecution}, …), timed from
 * request to answer, KO with the rejection code as its message. {@code runJob} records {@code download},
 * {@code install} and {@code report} as requests of their own, as fleetsim's report shows them. Actions leave the
 * session attributes {@code jobId}, {@code jobStatus}, {@code jobVersion} and {@code firmware} for Gatling's
 * {@code doIf} and {@code asLongAs}.
 *
 * <p>A Gatling {@code Protocol} proper is Scala plumbing ({@code ProtocolKey}, {@code Function1}); this object is
 * held by the simulation instead, which is what a Java simulation can write and read.
 */
public final class IotJobsProtocol {
    /** The session attribute holding the user's device. */
    public static final String DEVICE = "fleetsim.device";

    public static final String JOB_ID = "jobId";
    public static final String JOB_STATUS = "jobStatus";
    public static final String JOB_VERSION = "jobVersion";
    public static final String FIRMWARE = "firmware";

    private static final ObjectMapper CREATE_JOB = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.SETTER, JsonAutoDetect.Visibility.ANY);

    private final IotJobs.Settings settings;
    private final Map<String, Long> jobCreatedMillis = new ConcurrentHashMap<>();
    /** The next device index a connecting user takes (Gatling's user ids are shared by every scenario). */
    private final AtomicInteger nextDevice = new AtomicInteger();

    private Target target;
    private EventLoopGroup loops;
    private Downloader downloader;
    private ExecutorService operator;
    private DeviceConfig deviceConfig;
    private String fleetGroupArn;

    IotJobsProtocol(IotJobs.Settings settings) {
        this.settings = settings;
    }

    // ================================================================== life cycle

    /**
     * Starts the target (the embedded local stack, or opens an external one's endpoints), the shared event loops and
     * the downloader, and registers the fleet's things in a group {@code gatling-fleet} (jobs target it by default).
     */
    public synchronized void start() {
        if (target != null) {
            return;
        }
        try {
            if (settings.endpointsFile() != null) {
                target = EndpointsFileTarget.open(settings.endpointsFile());
            } else {
                Clock clock = settings.timeScale() == 1 ? Clock.systemUTC() : new VirtualClock(settings.timeScale());
                target = LocalTarget.start(
                        LocalStackConfig.ephemeral().toBuilder().clock(clock).build());
            }
            loops = EventLoops.create(settings.loops(), "gatling-device");
            downloader = new Downloader(
                    loops,
                    Downloader.Settings.defaults()
                            .withExtraTrust(List.of(target.trustAnchor()))
                            .withFleetBytesPerSecond(0));
            operator = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "gatling-fleetsim-operator");
                t.setDaemon(true);
                return t;
            });
            Target.Endpoint mqtt = (settings.tls() ? target.mqtts() : target.mqtt())
                    .orElseThrow(() -> new IllegalStateException(target.describe() + " has no "
                            + (settings.tls() ? "MQTT over TLS" : "plain MQTT") + " listener for the devices"));
            registerFleet();
            deviceConfig = DeviceConfig.simple(mqtt.host(), mqtt.port(), Duration.ZERO).toBuilder()
                    .behaviour(settings.behaviour())
                    .seed(settings.seed())
                    .answerTimeout(settings.answerTimeout())
                    .qos(settings.qos())
                    .mqttVersion(settings.mqttVersion())
                    .downloads(new DeviceDownloads(
                            downloader,
                            null,
                            settings.bytesPerSecond(),
                            target.codeSigner()
                                    .map(s -> s.certificate().getPublicKey())
                                    .orElse(null),
                            0,
                            DeviceDownloads.DEFAULT_MAX_BYTES))
                    .tls(settings.tls() ? identities() : null)
                    .build();
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("cannot start the fleetsim protocol: " + e.getMessage(), e);
        }
    }

    private void registerFleet() throws Exception {
        IotClient iot = target.iot();
        try {
            fleetGroupArn =
                    iot.createThingGroup(r -> r.thingGroupName("gatling-fleet")).thingGroupArn();
        } catch (ResourceAlreadyExistsException again) {
            // An external stack a previous simulation already set up: its group (and things) are reused.
            fleetGroupArn = iot.describeThingGroup(r -> r.thingGroupName("gatling-fleet"))
                    .thingGroupArn();
        }
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int i = 0; i < settings.devices(); i++) {
            String thing = thingName(i);
            calls.add(CompletableFuture.runAsync(
                    () -> {
                        iot.createThing(r -> r.thingName(thing));
                        iot.addThingToThingGroup(
                                r -> r.thingGroupName("gatling-fleet").thingName(thing));
                    },
                    operator));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    }

    /** A certificate per device from CreateKeysAndCertificate, attached to its thing (the fleet's mTLS path). */
    private DeviceTls identities() throws Exception {
        List<String> things = new ArrayList<>();
        for (int i = 0; i < settings.devices(); i++) {
            things.add(thingName(i));
        }
        return DeviceIdentities.mint(target.iot(), things, target.trustAnchor());
    }

    /** Stops what {@link #start} started; devices still connected are dropped with the broker. */
    public synchronized void stop() {
        if (operator != null) {
            operator.shutdownNow();
        }
        if (downloader != null) {
            downloader.close();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (target != null) {
            target.close();
        }
        target = null;
    }

    /** A thing's ARN on the protocol's target, for CreateJob targets. */
    public String thingArn(String thingName) {
        if (target == null) {
            throw new IllegalStateException("the protocol is not started: call start() in the simulation's before()");
        }
        return target.thingArn(thingName);
    }

    /** The control plane, for the simulation's own checks ({@code DescribeJob} in {@code after()}). */
    public IotClient iot() {
        return target.iot();
    }

    /** The thing of device {@code index}: the pattern over the index (0 for the first user that connects). */
    public String thingName(int index) {
        return String.format(settings.thingNamePattern(), index);
    }

    // ================================================================== device actions

    /** CONNECT → CONNACK; creates the user's device on first use. Request name {@code connect}. */
    public ActionBuilder connect() {
        return device("connect", (device, session) -> device.connect().thenApply(v -> Update.NONE));
    }

    /** SUBSCRIBE → SUBACK on the thing's Jobs topics. Request name {@code subscribe}. */
    public ActionBuilder subscribe() {
        return device("subscribe", (device, session) -> device.subscribe().thenApply(v -> Update.NONE));
    }

    /** GetPendingJobExecutions. */
    public ActionBuilder getPending() {
        return device(
                "GetPendingJobExecutions",
                (device, session) -> device.getPending().thenApply(json -> Update.NONE));
    }

    /** StartNextPendingJobExecution; the execution it starts (if any) becomes the session's job. */
    public ActionBuilder startNext() {
        return device(
                "StartNextPendingJobExecution",
                (device, session) -> device.startNext(null).thenApply(Update::job));
    }

    /** DescribeJobExecution of {@code $next}. */
    public ActionBuilder describe() {
        return describe("$next");
    }

    /** DescribeJobExecution of a job ({@code $next} for the next pending one); it becomes the session's job. */
    public ActionBuilder describe(String jobId) {
        return device(
                "DescribeJobExecution",
                (device, session) -> device.describe(jobId).thenApply(Update::job));
    }

    /**
     * UpdateJobExecution of the session's job to {@code status}, with the session's {@code jobVersion} as expected
     * version (a stale version answers VersionMismatch: KO).
     */
    public ActionBuilder update(JobExecutionStatus status) {
        return device("UpdateJobExecution", (device, session) -> {
            String jobId = attribute(session, JOB_ID);
            if (jobId == null) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("no job in the session: awaitJob, startNext or describe first"));
            }
            Object version = attribute(session, JOB_VERSION);
            return device.update(jobId, status, Map.of(), version == null ? null : ((Number) version).intValue())
                    .thenApply(json -> new Update(
                            jobId,
                            status.name(),
                            json.path("executionState").path("versionNumber").isInt()
                                    ? json.path("executionState")
                                            .path("versionNumber")
                                            .asInt()
                                    : null,
                            null));
        });
    }

    /**
     * Waits for the next pending execution: announced by {@code notify-next}, or found by a {@code $next} describe when
     * the wait starts. Timed from the job's creation when this protocol created it (else from the wait's start): KO
     * "no job announced within …" after {@code timeout}.
     */
    public ActionBuilder awaitJob(Duration timeout) {
        return () -> (ctx, next) -> new FleetsimAction("awaitJob", ctx, next) {
            @Override
            public void execute(Session session) {
                SteppedDevice device = deviceOf(session);
                if (device == null) {
                    crash(session, "awaitJob", "no device in the session: connect first");
                    return;
                }
                long waitStart = clock.nowMillis();
                device.awaitJob(timeout).whenComplete((e, error) -> {
                    long start = waitStart;
                    if (e != null) {
                        start = Math.min(waitStart, jobCreatedMillis.getOrDefault(e.jobId(), waitStart));
                    }
                    complete(
                            session,
                            "awaitJob",
                            start,
                            error == null ? null : SteppedDevice.describeError(error),
                            s -> error == null ? Update.job(e).apply(s) : s);
                });
            }
        };
    }

    /**
     * The device carries out the session's job as a fleetsim device would (document steps, real verified downloads,
     * the cohort's drawn install time and outcome): requests {@code download}, {@code install}, {@code report} for the
     * phases and {@code runJob} for the whole, KO when the execution does not end SUCCEEDED.
     */
    public ActionBuilder runJob() {
        return () -> (ctx, next) -> new FleetsimAction("runJob", ctx, next) {
            @Override
            public void execute(Session session) {
                SteppedDevice device = deviceOf(session);
                JobExecution job = device == null ? null : device.current();
                if (job == null) {
                    crash(session, "runJob", "no job in the session: awaitJob, startNext or describe first");
                    return;
                }
                long start = clock.nowMillis();
                long startNanos = System.nanoTime();
                device.runJob(
                                job,
                                phase -> record(
                                        session,
                                        phase.phase(),
                                        start + (phase.startNanos() - startNanos) / 1_000_000,
                                        start + (phase.endNanos() - startNanos) / 1_000_000,
                                        phase.error()))
                        .whenComplete((run, error) -> {
                            String ko = error != null
                                    ? SteppedDevice.describeError(error)
                                    : run.status() == JobExecutionStatus.SUCCEEDED
                                            ? null
                                            : "ended " + (run.status() == null ? "IN_PROGRESS (hang)" : run.status());
                            complete(session, "runJob", start, ko, s -> {
                                Session out = s.set(JOB_STATUS, run == null ? "ERROR" : String.valueOf(run.status()));
                                String firmware = firmwareOf(job);
                                return run != null && run.status() == JobExecutionStatus.SUCCEEDED && firmware != null
                                        ? out.set(FIRMWARE, firmware)
                                        : out;
                            });
                        });
            }
        };
    }

    /** DISCONNECT. */
    public ActionBuilder disconnect() {
        return device("disconnect", (device, session) -> device.disconnect().thenApply(v -> Update.NONE));
    }

    /** Disconnects, stays offline for {@code duration}, then connects and subscribes again ({@code offline}). */
    public ActionBuilder offline(Duration duration) {
        return device(
                "offline",
                (device, session) -> device.disconnect()
                        .thenCompose(v -> {
                            CompletableFuture<Void> back = new CompletableFuture<>();
                            device.loop().schedule(() -> back.complete(null), duration.toNanos(), TimeUnit.NANOSECONDS);
                            return back;
                        })
                        .thenCompose(v -> device.connect())
                        .thenCompose(v -> device.subscribe())
                        .thenApply(v -> Update.NONE));
    }

    // ================================================================== operator actions

    /**
     * CreateJob from its AWS JSON (the CreateJob request's fields: {@code jobId}, {@code document},
     * {@code jobExecutionsRolloutConfig} …); without {@code targets}, the whole Gatling fleet.
     */
    public ActionBuilder createJob(String createJobJson) {
        return createJob(builder -> {
            try {
                CreateJobRequest.Builder parsed = (CreateJobRequest.Builder)
                        CREATE_JOB.readValue(createJobJson, CreateJobRequest.serializableBuilderClass());
                CreateJobRequest request = parsed.build();
                builder.jobId(request.jobId())
                        .document(request.document())
                        .documentSource(request.documentSource())
                        .targets(request.hasTargets() ? request.targets() : null)
                        .targetSelection(request.targetSelection())
                        .jobExecutionsRolloutConfig(request.jobExecutionsRolloutConfig())
                        .abortConfig(request.abortConfig())
                        .timeoutConfig(request.timeoutConfig())
                        .jobExecutionsRetryConfig(request.jobExecutionsRetryConfig())
                        .schedulingConfig(request.schedulingConfig())
                        .presignedUrlConfig(request.presignedUrlConfig())
                        .jobTemplateArn(request.jobTemplateArn())
                        .documentParameters(request.hasDocumentParameters() ? request.documentParameters() : null)
                        .description(request.description());
            } catch (Exception e) {
                throw new IllegalArgumentException("not a CreateJob request: " + e.getMessage(), e);
            }
        });
    }

    /** CreateJob through the AWS SDK's builder; without targets, the whole Gatling fleet. Request {@code CreateJob}. */
    public ActionBuilder createJob(Consumer<CreateJobRequest.Builder> request) {
        return operator("CreateJob", session -> {
            CreateJobRequest.Builder b = CreateJobRequest.builder();
            request.accept(b);
            CreateJobRequest built = b.build();
            if (!built.hasTargets() || built.targets().isEmpty()) {
                built = built.toBuilder().targets(fleetGroupArn).build();
            }
            jobCreatedMillis.put(built.jobId(), System.currentTimeMillis());
            target.iot().createJob(built);
            return Update.NONE;
        });
    }

    /** CancelJob. */
    public ActionBuilder cancelJob(String jobId, boolean force) {
        return operator("CancelJob", session -> {
            target.iot().cancelJob(r -> r.jobId(jobId).force(force));
            return Update.NONE;
        });
    }

    /** Polls DescribeJob until the job has {@code status} ({@code COMPLETED}, {@code CANCELED}…), KO after timeout. */
    public ActionBuilder awaitJobStatus(String jobId, String status, Duration timeout) {
        JobStatus wanted = JobStatus.fromValue(status);
        return operator("awaitJobStatus", session -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            JobStatus now;
            do {
                now = target.iot().describeJob(r -> r.jobId(jobId)).job().status();
                if (now == wanted) {
                    return Update.NONE;
                }
                Thread.sleep(250);
            } while (System.nanoTime() < deadline);
            throw new IllegalStateException(
                    "job " + jobId + " is " + now + " after " + timeout.toMillis() + " ms, not " + wanted);
        });
    }

    // ================================================================== plumbing

    /** What an action leaves in the session: the job it saw, its status and version, the firmware it installs. */
    private record Update(String jobId, String status, Integer version, String firmware) {
        static final Update NONE = new Update(null, null, null, null);

        static Update job(JobExecution e) {
            return e == null
                    ? NONE
                    : new Update(
                            e.jobId(), e.status() == null ? null : e.status().name(), e.versionNumber(), null);
        }

        Session apply(Session s) {
            Session out = s;
            if (jobId != null) {
                out = out.set(JOB_ID, jobId);
            }
            if (status != null) {
                out = out.set(JOB_STATUS, status);
            }
            if (version != null) {
                out = out.set(JOB_VERSION, version);
            }
            if (firmware != null) {
                out = out.set(FIRMWARE, firmware);
            }
            return out;
        }
    }

    private interface DeviceCall {
        CompletableFuture<Update> call(SteppedDevice device, Session session);
    }

    private interface OperatorCall {
        Update call(Session session) throws Exception;
    }

    private ActionBuilder device(String request, DeviceCall call) {
        return () -> (ctx, next) -> new FleetsimAction(request, ctx, next) {
            @Override
            public void execute(Session session) {
                SteppedDevice existing = deviceOf(session);
                if (existing == null && !request.equals("connect")) {
                    crash(session, request, "no device in the session: connect first");
                    return;
                }
                SteppedDevice device = existing;
                if (device == null) {
                    int index = nextDevice.getAndIncrement();
                    if (index >= settings.devices()) {
                        crash(
                                session,
                                request,
                                "more users than devices: the protocol registered " + settings.devices()
                                        + " (IotJobs.iotJobs().devices(n))");
                        return;
                    }
                    // On the virtual user's own event loop (Gatling's loops are Netty's): requests and answers never
                    // change threads, and the next action runs where the answer arrived.
                    device = new SteppedDevice(
                            thingName(index),
                            session.eventLoop(),
                            ctx.coreComponents().eventLoopGroup(),
                            deviceConfig);
                }
                Session withDevice = existing != null ? session : session.set(DEVICE, device);
                long start = clock.nowMillis();
                CompletableFuture<Update> answer;
                try {
                    answer = call.call(device, withDevice);
                } catch (RuntimeException e) {
                    answer = CompletableFuture.failedFuture(e);
                }
                answer.whenComplete((update, error) -> complete(
                        withDevice,
                        request,
                        start,
                        error == null ? null : SteppedDevice.describeError(error),
                        s -> update == null ? s : update.apply(s)));
            }
        };
    }

    private ActionBuilder operator(String request, OperatorCall call) {
        return () -> (ctx, next) -> new FleetsimAction(request, ctx, next) {
            @Override
            public void execute(Session session) {
                long start = clock.nowMillis();
                operator.execute(() -> {
                    String error = null;
                    Update update = Update.NONE;
                    try {
                        update = call.call(session);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        error = "interrupted";
                    } catch (Exception e) {
                        error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    }
                    Update done = update;
                    complete(session, request, start, error, done::apply);
                });
            }
        };
    }

    private static SteppedDevice deviceOf(Session session) {
        Option<Object> value = session.attributes().get(DEVICE);
        return value.isDefined() ? (SteppedDevice) value.get() : null;
    }

    @SuppressWarnings("unchecked")
    private static <T> T attribute(Session session, String key) {
        Option<Object> value = session.attributes().get(key);
        return value.isDefined() ? (T) value.get() : null;
    }

    /** The firmware version a job installs ({@code version} in its document), for the session. */
    private static String firmwareOf(JobExecution job) {
        return job.jobDocument() != null && job.jobDocument().hasNonNull("version")
                ? job.jobDocument().get("version").asText()
                : null;
    }

    static Behaviour behaviour(
            String name,
            double succeed,
            double fail,
            double reject,
            double hang,
            Distribution download,
            Distribution install,
            double timeScale) {
        Objects.requireNonNull(install, "install");
        Objects.requireNonNull(download, "download");
        return new Behaviour(
                name,
                succeed,
                fail,
                reject,
                hang,
                scaled(download, timeScale),
                scaled(install, timeScale),
                0,
                0,
                Distribution.fixed(Duration.ofMillis(100)));
    }

    private static Distribution scaled(Distribution d, double timeScale) {
        Function<Duration, Duration> real = x -> Duration.ofNanos((long) (x.toNanos() / timeScale));
        if (d instanceof Distribution.Fixed f) {
            return Distribution.fixed(real.apply(f.value()));
        }
        if (d instanceof Distribution.Uniform u) {
            return new Distribution.Uniform(real.apply(u.min()), real.apply(u.max()));
        }
        if (d instanceof Distribution.Normal n) {
            return new Distribution.Normal(real.apply(n.mean()), real.apply(n.stddev()));
        }
        if (d instanceof Distribution.LogNormal l) {
            return new Distribution.LogNormal(real.apply(l.median()), l.sigma());
        }
        if (d instanceof Distribution.Exponential e) {
            return new Distribution.Exponential(real.apply(e.mean()));
        }
        return d;
    }
}

package dev.fleetsim.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Outcome;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.DownloadRequest;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.handlers.JobDocuments;
import dev.fleetsim.device.handlers.JobPlan;
import dev.fleetsim.device.handlers.Step;
import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.DescribeJobExecutionResponse;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.NextJobExecutionChangedEvent;
import dev.fleetsim.jobs.RejectedError;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.jobs.StartNextJobExecutionResponse;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.pki.Pem;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One virtual device running the device side of AWS IoT Jobs over MQTT 5 with the HiveMQ MQTT client.
 *
 * <pre>
 *                 start                CONNACK + SUBACK                   answer
 *   NEW ─────────► CONNECTING ─────────────────────────► ASKING ($next/get | start-next) ──► IDLE
 *                     ▲   │ failure: backoff + jitter, retry          ▲                       │ execution
 *                     │   ▼                                           │ any terminal answer   ▼ (de-duplicated)
 *                  OFFLINE (reboot, crash, disconnect)                │               STARTING (update IN_PROGRESS)
 *                     ▲                                               │                       │ accepted
 *                     │ reboot during install / crash mid-download    │                       ▼
 *                     └─────────────────────────────────────── WORKING (steps: download, install, …)
 *                                                                     │                       │ outcome
 *                                                                     └──── REPORTING (SUCCEEDED | FAILED |
 *                                                                                      REJECTED; HANG: silence)
 * </pre>
 *
 * <p>Rejections (spec §2.8, as the AWS IoT Device Client handles them): {@code VersionMismatch} → describe the
 * execution and resend with its version; {@code InvalidStateTransition}, {@code TerminalStateReached},
 * {@code ResourceNotFound} → drop local work and ask for the next job; {@code RequestThrottled},
 * {@code InternalError} → resend with exponential backoff. Cancellation: while working, a {@code notify-next} that no
 * longer shows the execution stops local work. After a reboot the device asks for its next execution and resumes an
 * IN_PROGRESS one from its {@code statusDetails}.
 *
 * <p>Threading: all state is touched on {@link #loop} only; MQTT callbacks and timers run there. Nothing blocks.
 */
public final class VirtualDevice {

    /** Where the device is in its life; see the class diagram. */
    public enum State {
        NEW,
        CONNECTING,
        ASKING,
        IDLE,
        STARTING,
        WORKING,
        REPORTING,
        OFFLINE,
        STOPPED
    }

    private final String thingName;
    private final EventLoop loop;
    private final EventLoopGroup nettyGroup;
    private final DeviceConfig config;
    private final DeviceListener listener;
    private final DeviceState disk = new DeviceState();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private Mqtt5AsyncClient client;
    /** Bumped for every new client; events of older clients are ignored. */
    private int clientGeneration;

    private State state = State.NEW;
    private boolean everReady;
    private int connectAttempts;
    private long tokens;
    /** Requests in flight by client token, for resend on throttling. */
    private final Map<String, Pending> pending = new HashMap<>();
    /** The execution in hand, or null. */
    private Work work;
    /** The latest head announced while busy; taken up when the device is idle again. */
    private JobExecution parked;

    private boolean parkedSet;
    /** The last execution this device finished with; a late announcement of it is not new work. */
    private String finishedJobId;

    private long finishedExecution;
    /** The device's own certificate after a rotation; replaces the fleet's per-thing TLS settings. */
    private MqttClientSslConfig rotatedTls;
    /** The private key of a rotation in progress, until the new certificate arrives. */
    private String rotationKey;
    /** A factory reset asks for a clean session on the next connect even on a persistent-session device. */
    private boolean forceCleanStart;

    /** An in-flight request. */
    private record Pending(JobsTopic topic, Object request, int attempt) {}

    /** The execution being worked on. */
    private static final class Work {
        final String jobId;
        final long executionNumber;
        int version;
        final JobPlan plan;
        final Behaviour.Plan draw;
        int stepIndex;
        ScheduledFuture<?> timer;
        boolean resumedAfterReboot;
        JobExecutionStatus reporting;
        Map<String, String> details = new LinkedHashMap<>();
        /** The last update sent, resent as is (with a fresh version) after a VersionMismatch. */
        UpdateJobExecutionRequest lastUpdate;
        /** The download in progress, or null. */
        Future<DownloadResult> download;
        /** Bytes of the last finished real download, or -1. */
        long downloadedBytes = -1;

        Work(String jobId, long executionNumber, int version, JobPlan plan, Behaviour.Plan draw) {
            this.jobId = jobId;
            this.executionNumber = executionNumber;
            this.version = version;
            this.plan = plan;
            this.draw = draw;
        }

        boolean is(JobExecution e) {
            return e != null
                    && jobId.equals(e.jobId())
                    && e.executionNumber() != null
                    && executionNumber == e.executionNumber();
        }
    }

    public VirtualDevice(
            String thingName, EventLoop loop, EventLoopGroup nettyGroup, DeviceConfig config, DeviceListener listener) {
        this.thingName = thingName;
        this.loop = loop;
        this.nettyGroup = nettyGroup;
        this.config = config;
        this.listener = listener;
        this.client = newClient();
    }

    /**
     * A fresh client for every connection: when a clean session ends, the HiveMQ client completes its global publish
     * flow, so a reused client would receive nothing after reconnecting. A reboot is a new process anyway.
     */
    private Mqtt5AsyncClient newClient() {
        int generation = ++clientGeneration;
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(thingName)
                .serverHost(config.host())
                .serverPort(config.port())
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(nettyGroup)
                        .build());
        if (rotatedTls != null) {
            builder = builder.sslConfig(rotatedTls);
        } else if (config.tls() != null) {
            builder = builder.sslConfig(config.tls().forThing(thingName));
        }
        if (config.localAddress() != null) {
            builder = builder.transportConfig()
                    .serverHost(config.host())
                    .serverPort(config.port())
                    .localAddress(new InetSocketAddress(config.localAddress(), 0))
                    .applyTransportConfig();
        }
        builder = builder.addDisconnectedListener(context -> loop.execute(() -> {
            if (generation == clientGeneration) {
                onConnectionLost();
            }
        }));
        Mqtt5AsyncClient c = builder.buildAsync();
        c.publishes(MqttGlobalPublishFilter.SUBSCRIBED, this::onPublish, loop);
        return c;
    }

    public String thingName() {
        return thingName;
    }

    public EventLoop loop() {
        return loop;
    }

    /** The device's state; read it on the device's loop or accept a stale value. */
    public State state() {
        return state;
    }

    /** The device's installed state (survives reboots, wiped by a factory reset). */
    public DeviceState disk() {
        return disk;
    }

    /** Completes when the device is connected, subscribed and has asked for pending work once. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Connects and starts the agent; safe from any thread. */
    public void start() {
        loop.execute(this::connect);
    }

    /** Takes the device offline for a while (an outage, not a reboot: memory is kept); safe from any thread. */
    public void goOffline(Duration duration) {
        loop.execute(() -> {
            if (state != State.STOPPED && state != State.OFFLINE) {
                offline(duration, false);
            }
        });
    }

    /** Disconnects for good; safe from any thread. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            boolean connected = client.getState().isConnectedOrReconnect();
            state = State.STOPPED;
            cancelTimer();
            if (!connected) {
                done.complete(null);
                return;
            }
            client.disconnect().whenComplete((v, e) -> done.complete(null));
        });
        return done;
    }

    // ================================================================== connection

    private void connect() {
        assert loop.inEventLoop();
        if (state == State.STOPPED) {
            return;
        }
        if (state != State.NEW) {
            client = newClient();
        }
        state = State.CONNECTING;
        connectAttempts++;
        listener.connectStart(thingName, System.nanoTime());
        Mqtt5AsyncClient connecting = client;
        connecting
                .connectWith()
                .cleanStart(config.cleanSession() || forceCleanStart)
                .sessionExpiryInterval(config.cleanSession() ? 0 : 3600)
                .keepAlive((int) config.keepAlive().toSeconds())
                .send()
                .whenCompleteAsync(
                        (connAck, error) -> {
                            if (state == State.STOPPED || connecting != client) {
                                return;
                            }
                            if (error != null) {
                                listener.connectFailed(thingName, System.nanoTime(), error);
                                retryConnect();
                                return;
                            }
                            connectAttempts = 0;
                            forceCleanStart = false;
                            listener.connectEnd(thingName, System.nanoTime());
                            subscribe(connAck.isSessionPresent());
                        },
                        loop);
    }

    /** Exponential backoff with full jitter: 1 s, 2 s, 4 s … up to 2 min. */
    private void retryConnect() {
        state = State.OFFLINE;
        long cap = Math.min(120_000, 1_000L << Math.min(connectAttempts - 1, 7));
        long delay = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void onConnectionLost() {
        if (state == State.STOPPED || state == State.OFFLINE || state == State.CONNECTING || state == State.NEW) {
            return;
        }
        // An unplanned drop: keep the work in hand (memory survives), reconnect with backoff, then ask again.
        listener.disconnected(thingName, System.nanoTime());
        cancelTimer();
        pending.clear();
        connectAttempts = Math.max(connectAttempts, 1);
        retryConnect();
    }

    private void subscribe(boolean sessionPresent) {
        if (sessionPresent) {
            ask();
            return;
        }
        listener.subscribeStart(thingName, System.nanoTime());
        String p = JobsTopic.prefix(thingName);
        Mqtt5Subscribe subscribe = Mqtt5Subscribe.builder()
                .addSubscription()
                .topicFilter(p + "/notify-next")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(p + "/+/get/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(p + "/+/update/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(p + "/start-next/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .build();
        client.subscribe(subscribe)
                .whenCompleteAsync(
                        (subAck, error) -> {
                            if (state == State.STOPPED) {
                                return;
                            }
                            if (error != null) {
                                listener.connectFailed(thingName, System.nanoTime(), error);
                                client.disconnect();
                                return;
                            }
                            listener.subscribeEnd(thingName, System.nanoTime());
                            ask();
                        },
                        loop);
    }

    /** Asks for the next pending execution ($next/get by default, start-next as an option). */
    private void ask() {
        state = State.ASKING;
        if (config.useStartNext()) {
            send(JobsTopic.startNext(thingName), new StartNextPendingJobExecutionRequest(null, stepTimeout(), null));
        } else {
            send(JobsTopic.describe(thingName, JobsTopic.NEXT), new DescribeJobExecutionRequest(null, true, null));
        }
    }

    // ================================================================== messages

    private void onPublish(Mqtt5Publish publish) {
        assert loop.inEventLoop();
        if (state == State.STOPPED || state == State.OFFLINE) {
            return;
        }
        String topicText = publish.getTopic().toString();
        byte[] payload = publish.getPayloadAsBytes();
        if (topicText.startsWith(CREATE_FROM_CSR) || topicText.startsWith(PROVISION)) {
            onProvisioning(topicText, payload);
            return;
        }
        JobsTopic topic = JobsTopic.parse(topicText).orElse(null);
        if (topic == null || !topic.thingName().equals(thingName)) {
            return; // §2.1: act only on topics of our own thing
        }
        try {
            switch (topic.suffix()) {
                case REJECTED -> onRejected(topic, JobsJson.read(payload, RejectedError.class));
                case ACCEPTED -> onAccepted(topic, payload);
                case REQUEST -> {
                    if (topic.operation() == JobsTopic.Operation.NOTIFY_NEXT) {
                        onNotifyNext(JobsJson.read(payload, NextJobExecutionChangedEvent.class)
                                .execution());
                    }
                }
            }
        } catch (RuntimeException e) {
            // A malformed message from the service must not break the device; ignore it.
        }
    }

    private void onAccepted(JobsTopic topic, byte[] payload) {
        JsonNode json = JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
        String token = json.path("clientToken").asText(null);
        Pending request = token == null ? null : pending.remove(token);
        listener.requestAccepted(thingName, topic.operation(), System.nanoTime());
        switch (topic.operation()) {
            case DESCRIBE -> {
                JobExecution execution = JobsJson.read(payload, DescribeJobExecutionResponse.class)
                        .execution();
                if (JobsTopic.NEXT.equals(topic.jobId())) {
                    onAnswerToAsk(execution);
                } else if (work != null && work.is(execution)) {
                    // VersionMismatch recovery: carry on with the service's version.
                    work.version = execution.versionNumber();
                    resendLastUpdate();
                }
            }
            case START_NEXT ->
                onAnswerToAsk(JobsJson.read(payload, StartNextJobExecutionResponse.class)
                        .execution());
            case UPDATE ->
                onUpdateAccepted(
                        topic.jobId(),
                        request != null && request.request() instanceof UpdateJobExecutionRequest u ? u : null);
            default -> {}
        }
    }

    private void onAnswerToAsk(JobExecution execution) {
        if (state != State.ASKING) {
            return;
        }
        if (!everReady) {
            everReady = true;
            listener.ready(thingName, System.nanoTime());
            ready.complete(null);
        }
        state = State.IDLE;
        if (execution != null) {
            take(execution);
        } else if (parkedSet) {
            takeParked();
        }
    }

    private void onNotifyNext(JobExecution head) {
        switch (state) {
            case IDLE -> take(head);
            case STARTING, WORKING -> {
                if (work != null && !work.is(head)) {
                    // Our execution is no longer the head: canceled, removed, timed out or deleted.
                    listener.jobCanceled(thingName, work.jobId, work.executionNumber, System.nanoTime());
                    dropWork();
                    take(head);
                }
            }
            default -> {
                parked = head;
                parkedSet = true;
            }
        }
    }

    /** Takes up an execution when idle, de-duplicating repeats of the one in hand. */
    private void take(JobExecution execution) {
        if (execution == null
                || execution.status() == null
                || !execution.status().isPending()) {
            return;
        }
        if ((work != null && work.is(execution))
                || (execution.jobId().equals(finishedJobId)
                        && Long.valueOf(finishedExecution).equals(execution.executionNumber()))) {
            // The same execution by notify-next and by an answer, or a stale announcement of one already finished.
            listener.duplicateIgnored(thingName, execution.jobId(), execution.executionNumber(), System.nanoTime());
            return;
        }
        if (state != State.IDLE) {
            parked = execution;
            parkedSet = true;
            return;
        }
        listener.jobReceived(thingName, execution.jobId(), execution.executionNumber(), System.nanoTime());
        JobPlan plan = JobDocuments.plan(execution.jobDocument());
        Behaviour.Plan draw =
                config.behaviour().plan(config.seed(), thingName, execution.jobId(), execution.executionNumber());
        work = new Work(execution.jobId(), execution.executionNumber(), execution.versionNumber(), plan, draw);
        if (plan.rejected()) {
            report(JobExecutionStatus.REJECTED, Map.of("reason", truncate(plan.rejection())));
            return;
        }
        if (execution.status() == JobExecutionStatus.IN_PROGRESS) {
            resume(execution);
            return;
        }
        state = State.STARTING;
        work.details.put("step", plan.steps().get(0).name());
        sendUpdate(JobExecutionStatus.IN_PROGRESS, work.details);
    }

    /** After a reboot or reconnect: continue from the step the service has in {@code statusDetails}. */
    private void resume(JobExecution execution) {
        Map<String, String> details = execution.statusDetails() == null ? Map.of() : execution.statusDetails();
        work.details.putAll(details);
        String step = details.get("step");
        for (int i = 0; i < work.plan.steps().size(); i++) {
            if (work.plan.steps().get(i).name().equals(step)) {
                work.stepIndex = i;
                break;
            }
        }
        work.resumedAfterReboot = details.containsKey("reboot") || details.containsKey("crash");
        if ("pending".equals(details.get("rotated"))
                && work.stepIndex < work.plan.steps().size()
                && work.plan.steps().get(work.stepIndex) instanceof Step.RotateCertificate) {
            work.details.put("rotated", "done"); // reconnected with the new certificate: the step is done
            work.stepIndex++;
        }
        state = State.WORKING;
        runStep();
    }

    /** {@code update} is the accepted request when its client token matched one in flight, else null. */
    private void onUpdateAccepted(String jobId, UpdateJobExecutionRequest update) {
        if (work == null || !jobId.equals(work.jobId)) {
            return;
        }
        work.version++;
        if (update != null && state == State.REPORTING && update.status() != work.reporting) {
            return; // a progress update sent before the terminal one: the terminal answer is still to come
        }
        if (state == State.STARTING) {
            listener.statusReported(thingName, jobId, JobExecutionStatus.IN_PROGRESS, System.nanoTime());
            state = State.WORKING;
            runStep();
        } else if (state == State.REPORTING && work.reporting != null) {
            listener.statusReported(thingName, jobId, work.reporting, System.nanoTime());
            boolean reset = false;
            if (work.reporting == JobExecutionStatus.SUCCEEDED) {
                applySuccess();
                reset = work.plan.steps().stream().anyMatch(step -> step instanceof Step.FactoryReset);
            }
            rememberFinished();
            work = null;
            if (reset) {
                // A factory reset comes back as a new device: a clean session, nothing in hand.
                forceCleanStart = true;
                offline(Duration.ofMillis(100), true);
                return;
            }
            becomeIdle();
        }
        // In OFFLINE, an update sent just before a planned reboot was accepted: the reboot goes on.
    }

    private void onRejected(JobsTopic topic, RejectedError error) {
        Pending request = error.clientToken() == null ? null : pending.remove(error.clientToken());
        listener.requestRejected(thingName, topic.operation(), error.code(), System.nanoTime());
        RejectedErrorCode code = error.code() == null ? RejectedErrorCode.InternalError : error.code();
        if (code.isRetryable() && request != null) {
            resendLater(request);
            return;
        }
        if (code == RejectedErrorCode.VersionMismatch
                && work != null
                && topic.operation() == JobsTopic.Operation.UPDATE) {
            if (error.executionState() != null && error.executionState().versionNumber() != null) {
                work.version = error.executionState().versionNumber();
                resendLastUpdate();
            } else {
                send(
                        JobsTopic.describe(thingName, work.jobId),
                        new DescribeJobExecutionRequest(work.executionNumber, false, null));
            }
            return;
        }
        if (topic.operation() == JobsTopic.Operation.UPDATE
                || (topic.operation() == JobsTopic.Operation.DESCRIBE && !JobsTopic.NEXT.equals(topic.jobId()))) {
            // InvalidStateTransition, TerminalStateReached, ResourceNotFound, InvalidRequest: the service no longer
            // takes updates for this execution; drop it and ask what is next.
            if (work != null) {
                listener.jobCanceled(thingName, work.jobId, work.executionNumber, System.nanoTime());
                dropWork();
            }
            ask();
        } else if (state == State.ASKING) {
            if (!everReady) {
                everReady = true;
                ready.complete(null);
            }
            state = State.IDLE;
        }
    }

    // ================================================================== work

    private void runStep() {
        if (work == null || state != State.WORKING) {
            return;
        }
        if (work.stepIndex >= work.plan.steps().size()) {
            finish();
            return;
        }
        Step step = work.plan.steps().get(work.stepIndex);
        listener.phaseStart(thingName, work.jobId, step.name(), System.nanoTime());
        Duration duration = durationOf(step);
        boolean rebootNow =
                step instanceof Step.InstallFirmware && work.draw.rebootDuringInstall() && !work.resumedAfterReboot;
        boolean crashNow = step instanceof Step.Download && work.draw.crashMidDownload() && !work.resumedAfterReboot;
        if (step instanceof Step.Download download) {
            listener.downloadStart(thingName, work.jobId, download.url(), System.nanoTime());
        }
        if (step instanceof Step.RotateCertificate && config.tls() != null) {
            rotateCertificate();
            return;
        }
        if (rebootNow || crashNow) {
            // Halfway through, the device goes down; the service keeps the execution IN_PROGRESS.
            Map<String, String> details = new LinkedHashMap<>(work.details);
            details.put("step", step.name());
            details.put(rebootNow ? "reboot" : "crash", "pending");
            work.details = details;
            work.timer = loop.schedule(
                    () -> {
                        sendUpdate(JobExecutionStatus.IN_PROGRESS, details);
                        loop.schedule(
                                () -> offline(work == null ? Duration.ZERO : work.draw.rebootTime(), true),
                                50,
                                TimeUnit.MILLISECONDS);
                    },
                    duration.toNanos() / 2,
                    TimeUnit.NANOSECONDS);
            if (crashNow && config.downloads() != null) {
                startDownload((Step.Download) step); // the crash timer above cuts it halfway
            }
            return;
        }
        if (step instanceof Step.Download download && config.downloads() != null) {
            startDownload(download);
            return;
        }
        work.timer = loop.schedule(() -> endStep(step), duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A real download into the device's sandbox (or discarded), verified against the document's size, SHA-256 and
     * code signature; progress goes to {@code statusDetails.progress} when the cohort asks for it.
     */
    private void startDownload(Step.Download step) {
        DeviceDownloads downloads = config.downloads();
        Path sink = null;
        if (downloads.sandboxRoot() != null) {
            Path root = downloads.sandboxRoot().resolve(thingName).normalize();
            Path target = root.resolve(step.sandboxPath()).normalize();
            if (!target.startsWith(root) || target.equals(root)) {
                report(JobExecutionStatus.REJECTED, Map.of("reason", "the path escapes the device sandbox"));
                return;
            }
            sink = target;
        }
        byte[] signature =
                step.signatureBase64() == null ? null : Base64.getDecoder().decode(step.signatureBase64());
        DownloadRequest request = new DownloadRequest(
                step.url(),
                sink,
                step.expectedSize(),
                step.sha256Hex(),
                signature,
                downloads.codeSigningKey(),
                downloads.maxBytes(),
                downloads.bytesPerSecond(),
                downloads.progressStepPercent());
        Work w = work;
        w.download = downloads.downloader().fetch(loop, request, (bytes, total) -> {
            boolean updateInFlight =
                    pending.values().stream().anyMatch(p -> p.topic().operation() == JobsTopic.Operation.UPDATE);
            if (work == w && state == State.WORKING && bytes > 0 && bytes < total && !updateInFlight) {
                w.details.put("progress", (bytes * 100 / total) + "%");
                sendUpdate(JobExecutionStatus.IN_PROGRESS, w.details);
            }
        });
        w.download.addListener(f -> {
            if (work != w || f.isCancelled() || state != State.WORKING) {
                return;
            }
            w.download = null;
            onDownloaded(step, (DownloadResult) f.getNow());
        });
    }

    private void onDownloaded(Step.Download step, DownloadResult result) {
        switch (result.outcome()) {
            case SUCCEEDED -> {
                if (work.timer != null) {
                    work.timer.cancel(false); // a crash planned for later in the download did not come
                    work.timer = null;
                }
                work.details.remove("progress");
                work.downloadedBytes = result.bytes();
                endStep(step);
            }
            case FAILED, REJECTED -> {
                long now = System.nanoTime();
                listener.downloadFailed(thingName, work.jobId, result.reason(), now);
                listener.phaseEnd(thingName, work.jobId, step.name(), now);
                cancelTimer();
                Map<String, String> details = new LinkedHashMap<>();
                details.put("step", step.name());
                details.put("reason", truncate(result.reason()));
                report(
                        result.outcome() == DownloadResult.Outcome.REJECTED
                                ? JobExecutionStatus.REJECTED
                                : JobExecutionStatus.FAILED,
                        details);
            }
            case CANCELED -> {}
        }
    }

    private void endStep(Step step) {
        if (work == null || state != State.WORKING) {
            return;
        }
        listener.phaseEnd(thingName, work.jobId, step.name(), System.nanoTime());
        if (step instanceof Step.Download download) {
            long bytes = work.downloadedBytes >= 0
                    ? work.downloadedBytes
                    : download.expectedSize() == null ? 0 : download.expectedSize();
            work.downloadedBytes = -1;
            listener.downloadEnd(thingName, work.jobId, bytes, System.nanoTime());
        }
        work.stepIndex++;
        if (work.stepIndex < work.plan.steps().size() && work.draw.outcome() != Outcome.HANG) {
            Step next = work.plan.steps().get(work.stepIndex);
            work.details.put("step", next.name());
            sendUpdate(JobExecutionStatus.IN_PROGRESS, work.details); // progress; the next step starts right away
        }
        runStep();
    }

    private void finish() {
        switch (work.draw.outcome()) {
            case SUCCEED -> report(JobExecutionStatus.SUCCEEDED, successDetails());
            case FAIL -> report(JobExecutionStatus.FAILED, Map.of("reason", "simulated failure"));
            case REJECT -> report(JobExecutionStatus.REJECTED, Map.of("reason", "simulated rejection"));
            case HANG -> {
                // Stays IN_PROGRESS until the service's timers make it TIMED_OUT; the device stays busy meanwhile.
                state = State.WORKING;
                work.stepIndex = Integer.MAX_VALUE - 1;
            }
        }
    }

    private Map<String, String> successDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("step", "done");
        if (work.details.containsKey("certificateId")) {
            details.put("certificateId", work.details.get("certificateId"));
        }
        for (Step s : work.plan.steps()) {
            if (s instanceof Step.InstallFirmware install) {
                details.put("firmware", truncate(install.version()));
            } else if (s instanceof Step.RunCommand run) {
                details.put("stdout", truncate(simulatedOutput(run.argv())));
            }
        }
        return details;
    }

    private void applySuccess() {
        // work is still set when called
        for (Step s : work.plan.steps()) {
            if (s instanceof Step.InstallFirmware install) {
                disk.installFirmware(install.version());
            } else if (s instanceof Step.Packages p) {
                disk.packages(p.install(), p.packages());
            } else if (s instanceof Step.Download d) {
                disk.file(d.sandboxPath(), d.url().replaceAll("\\?.*$", ""));
            } else if (s instanceof Step.FactoryReset) {
                disk.factoryReset();
            } else if (s instanceof Step.RotateCertificate) {
                disk.certificate(work.details.getOrDefault("certificateId", "rotated-" + work.jobId));
            }
        }
        disk.jobDone();
    }

    private void report(JobExecutionStatus status, Map<String, String> details) {
        state = State.REPORTING;
        work.reporting = status;
        sendUpdate(status, details);
    }

    private Duration durationOf(Step step) {
        if (step instanceof Step.Download) {
            return work.draw.download();
        }
        if (step instanceof Step.InstallFirmware || step instanceof Step.Packages) {
            return work.draw.install();
        }
        if (step instanceof Step.Reboot) {
            return work.draw.rebootTime();
        }
        return Duration.ofMillis(10);
    }

    /** Goes offline for {@code duration}; a reboot also forgets what was in hand (the service remembers). */
    private void offline(Duration duration, boolean reboot) {
        cancelTimer();
        pending.clear();
        if (reboot) {
            work = null;
            parked = null;
            parkedSet = false;
        }
        state = State.OFFLINE;
        listener.disconnected(thingName, System.nanoTime());
        client.disconnect()
                .whenCompleteAsync(
                        (v, e) -> loop.schedule(this::connect, duration.toNanos(), TimeUnit.NANOSECONDS), loop);
    }

    private void dropWork() {
        cancelTimer();
        rememberFinished();
        work = null;
        state = State.IDLE;
    }

    /** The execution in hand is done with (reported, dropped or canceled): later announcements of it are stale. */
    private void rememberFinished() {
        if (work != null) {
            finishedJobId = work.jobId;
            finishedExecution = work.executionNumber;
        }
    }

    private void becomeIdle() {
        state = State.IDLE;
        if (parkedSet) {
            takeParked();
        }
    }

    private void takeParked() {
        JobExecution next = parked;
        parked = null;
        parkedSet = false;
        take(next);
    }

    private void cancelTimer() {
        if (work != null && work.timer != null) {
            work.timer.cancel(false);
            work.timer = null;
        }
        if (work != null && work.download != null) {
            work.download.cancel(false);
            work.download = null;
        }
    }

    // ================================================================== certificate rotation (spec §9)

    private static final String CREATE_FROM_CSR = "$aws/certificates/create-from-csr/json";
    private static final String PROVISION = "$aws/provisioning-templates/fleetsim-rotation/provision/json";

    /**
     * New key pair and CSR → CreateCertificateFromCsr → RegisterThing with the ownership token → reconnect with the new
     * certificate → report from the new connection. Subscribes before publishing: fleet-provisioning answers are lost
     * otherwise (§9).
     */
    private void rotateCertificate() {
        String[] keyAndCsr = Pem.newKeyAndCsr(thingName);
        rotationKey = keyAndCsr[0];
        String csr = keyAndCsr[1];
        client.subscribeWith()
                .addSubscription()
                .topicFilter(CREATE_FROM_CSR + "/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(PROVISION + "/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .send()
                .whenCompleteAsync(
                        (ack, error) -> {
                            if (error == null && work != null) {
                                var request =
                                        JobsJson.mapper().createObjectNode().put("certificateSigningRequest", csr);
                                publishRaw(CREATE_FROM_CSR, JobsJson.write(request));
                            }
                        },
                        loop);
    }

    private void onProvisioning(String topic, byte[] payload) {
        if (work == null || rotationKey == null) {
            return;
        }
        JsonNode answer = JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
        if (topic.endsWith("/rejected")) {
            rotationKey = null;
            report(
                    JobExecutionStatus.FAILED,
                    Map.of(
                            "reason",
                            truncate("certificate rotation: "
                                    + answer.path("errorCode").asText() + " "
                                    + answer.path("errorMessage").asText())));
            return;
        }
        if (topic.equals(CREATE_FROM_CSR + "/accepted")) {
            work.details.put("certificateId", answer.path("certificateId").asText());
            pendingCertificatePem = answer.path("certificatePem").asText();
            var register = JobsJson.mapper().createObjectNode();
            register.put(
                    "certificateOwnershipToken",
                    answer.path("certificateOwnershipToken").asText());
            register.putObject("parameters").put("ThingName", thingName);
            publishRaw(PROVISION, JobsJson.write(register));
        } else if (topic.equals(PROVISION + "/accepted")) {
            var trust =
                    config.tls().forThing(thingName).getTrustManagerFactory().orElse(null);
            rotatedTls = Pem.mtls(rotationKey, pendingCertificatePem, trust);
            rotationKey = null;
            work.details.put("rotated", "pending");
            sendUpdate(JobExecutionStatus.IN_PROGRESS, work.details);
            loop.schedule(() -> offline(Duration.ofMillis(50), true), 50, TimeUnit.MILLISECONDS);
        }
    }

    private String pendingCertificatePem;

    private void publishRaw(String topic, byte[] payload) {
        client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload)
                .send();
    }

    // ================================================================== sending

    private Long stepTimeout() {
        return config.stepTimeoutMinutes() == null
                ? null
                : config.stepTimeoutMinutes().longValue();
    }

    private void sendUpdate(JobExecutionStatus status, Map<String, String> details) {
        Long step = status == JobExecutionStatus.IN_PROGRESS ? stepTimeout() : null;
        work.lastUpdate = new UpdateJobExecutionRequest(
                status, Map.copyOf(details), work.version, work.executionNumber, null, null, step, null);
        send(JobsTopic.update(thingName, work.jobId), work.lastUpdate);
    }

    /** Resends the execution's last update with the version now known (after a VersionMismatch). */
    private void resendLastUpdate() {
        if (work != null && work.lastUpdate != null) {
            UpdateJobExecutionRequest u = work.lastUpdate;
            send(
                    JobsTopic.update(thingName, work.jobId),
                    new UpdateJobExecutionRequest(
                            u.status(),
                            u.statusDetails(),
                            work.version,
                            u.executionNumber(),
                            null,
                            null,
                            u.stepTimeoutInMinutes(),
                            null));
        }
    }

    private void resendLater(Pending request) {
        long base = config.retryBase().toMillis();
        long delay = Math.min(config.retryMax().toMillis(), base << Math.min(request.attempt(), 16));
        loop.schedule(
                () -> {
                    if (state != State.STOPPED && state != State.OFFLINE) {
                        sendWithToken(request.topic(), request.request(), request.attempt() + 1);
                    }
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    private void send(JobsTopic topic, Object request) {
        sendWithToken(topic, request, 0);
    }

    /** Every request carries a fresh client token, so answers and rejections can be matched (spec §2.1). */
    private void sendWithToken(JobsTopic topic, Object request, int attempt) {
        String token = Long.toString(++tokens, 36);
        Object withToken = request;
        if (request instanceof UpdateJobExecutionRequest u) {
            withToken = new UpdateJobExecutionRequest(
                    u.status(),
                    u.statusDetails(),
                    u.expectedVersion(),
                    u.executionNumber(),
                    u.includeJobExecutionState(),
                    u.includeJobDocument(),
                    u.stepTimeoutInMinutes(),
                    token);
        } else if (request instanceof DescribeJobExecutionRequest d) {
            withToken = new DescribeJobExecutionRequest(d.executionNumber(), d.includeJobDocument(), token);
        } else if (request instanceof StartNextPendingJobExecutionRequest n) {
            withToken = new StartNextPendingJobExecutionRequest(n.statusDetails(), n.stepTimeoutInMinutes(), token);
        }
        pending.put(token, new Pending(topic, request, attempt));
        listener.requestSent(thingName, topic.operation(), System.nanoTime());
        client.publishWith()
                .topic(topic.toString())
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(JobsJson.write(withToken))
                .send();
    }

    /**
     * statusDetails values are at most 1,024 characters (§3.4): keep the end, as the Device Client does. Tabs and line
     * breaks stay (IoT Core accepts them); other control characters become spaces.
     */
    static String truncate(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder clean = new StringBuilder(value.length());
        value.codePoints().forEach(cp -> {
            if (StatusDetailChars.TEXT.firstRefused(Character.toString(cp)) >= 0) {
                clean.append(' ');
            } else {
                clean.appendCodePoint(cp);
            }
        });
        String text = clean.toString();
        int length = StatusDetailChars.length(text);
        return length <= JobsJson.MAX_STATUS_DETAIL_VALUE
                ? text
                : text.substring(text.offsetByCodePoints(0, length - JobsJson.MAX_STATUS_DETAIL_VALUE));
    }

    private String simulatedOutput(List<String> argv) {
        return "simulated output of '" + String.join(" ", argv) + "' on " + thingName + " (firmware "
                + disk.firmwareVersion() + ")";
    }
}

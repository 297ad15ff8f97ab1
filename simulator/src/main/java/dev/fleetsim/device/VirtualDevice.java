package dev.fleetsim.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
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
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.net.Backoff;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One virtual device running the device side of AWS IoT Jobs over MQTT 5: its life as a state machine, the job flow
 * (take, start, run the steps, report), reboots and crashes. The MQTT session is a {@link DeviceSession}, requests in
 * flight a {@link RequestTracker}, certificate rotation a {@link CertificateRotation}.
 *
 * <p>Rejections (spec §2.8, as the AWS IoT Device Client handles them): {@code VersionMismatch} → describe the
 * execution and resend with its version; {@code InvalidStateTransition}, {@code TerminalStateReached},
 * {@code ResourceNotFound} → drop local work and ask for the next job; {@code RequestThrottled},
 * {@code InternalError} and requests left unanswered → send again with backoff. Cancellation: while working, a
 * {@code notify-next} that no longer shows the execution stops local work. After a reboot the device asks for its
 * next execution and resumes an IN_PROGRESS one from its {@code statusDetails}.
 *
 * <p>Threading: all state is touched on {@link #loop} only; MQTT callbacks and timers run there, and so do the
 * completions of the blocking work (files, keys) that runs elsewhere. Nothing blocks.
 */
public final class VirtualDevice {

    /**
     * Where the device is in its life. Every change goes through {@link #transition}, which holds it to these moves.
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
     *   any ──► STOPPED (for good)
     * </pre>
     */
    public enum State {
        NEW,
        CONNECTING,
        ASKING,
        IDLE,
        STARTING,
        WORKING,
        REPORTING,
        OFFLINE,
        STOPPED;

        /** Whether the diagram has a move from this state to {@code next}. */
        boolean canMoveTo(State next) {
            if (next == STOPPED) {
                return true;
            }
            return switch (this) {
                case NEW -> next == CONNECTING;
                case CONNECTING -> next == CONNECTING || next == ASKING || next == OFFLINE;
                case ASKING -> next == ASKING || next == IDLE || next == OFFLINE;
                case IDLE, STARTING, WORKING, REPORTING ->
                    Set.of(ASKING, IDLE, STARTING, WORKING, REPORTING, OFFLINE).contains(next);
                case OFFLINE -> next == CONNECTING || next == OFFLINE;
                case STOPPED -> false;
            };
        }

        /** States a device is connected in and may send requests from. */
        static final Set<State> ONLINE = EnumSet.of(ASKING, IDLE, STARTING, WORKING, REPORTING);
    }

    /** Reconnect backoff: 1 s doubling to 2 min (shared constants: a device holds no copies). */
    private static final Duration CONNECT_RETRY_FIRST = Duration.ofSeconds(1);

    private static final Duration CONNECT_RETRY_MAX = Duration.ofMinutes(2);

    private final String thingName;
    private final EventLoop loop;
    private final DeviceConfig config;
    private final DeviceListener listener;
    private final DeviceState disk = new DeviceState();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final DeviceSession session;
    private final RequestTracker requests;
    /** Made at the first rotation job (most devices never get one). */
    private CertificateRotation rotation;

    private final Backoff connectBackoff = new Backoff(CONNECT_RETRY_FIRST, CONNECT_RETRY_MAX);

    private State state = State.NEW;
    private boolean everReady;
    private int connectAttempts;
    /** The execution in hand, or null. */
    private Work work;
    /** The latest head announced while busy; taken up when the device is idle again. */
    private JobExecution parked;

    private boolean parkedSet;
    /** The last execution this device finished with; a late announcement of it is not new work. */
    private String finishedJobId;

    private long finishedExecution;
    /** A factory reset asks for a clean session on the next connect even on a persistent-session device. */
    private boolean forceCleanStart;
    /** Until the subscription is acknowledged after a connect; a broker that never answers gets a reconnect. */
    private ScheduledFuture<?> subscribeTimeout;
    /** The planned reconnect of an outage ({@link #goOffline}); {@link #comeBackOnline} brings it forward. */
    private ScheduledFuture<?> offlineReturn;
    /** {@link #comeBackOnline} came while the outage's disconnect was still under way. */
    private boolean returnNow;

    public VirtualDevice(
            String thingName, EventLoop loop, EventLoopGroup nettyGroup, DeviceConfig config, DeviceListener listener) {
        this.thingName = thingName;
        this.loop = loop;
        this.config = config;
        this.listener = listener;
        this.session = new DeviceSession(
                thingName, loop, nettyGroup, config, this::onPublish, this::onConnectionLost, listener);
        this.requests = new RequestTracker(
                thingName,
                loop,
                session,
                listener,
                new Backoff(config.retryBase(), config.retryMax()),
                config.answerTimeout(),
                () -> State.ONLINE.contains(state));
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

    /** Ends an outage of {@link #goOffline} now (a presenter bringing a cohort back); safe from any thread. */
    public void comeBackOnline() {
        loop.execute(() -> {
            if (state != State.OFFLINE) {
                return;
            }
            if (offlineReturn == null) {
                returnNow = true; // the disconnect has not finished: reconnect as soon as it has
            } else if (offlineReturn.cancel(false)) {
                offlineReturn = null;
                connect();
            }
        });
    }

    /** Disconnects for good; safe from any thread. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            boolean connected = session.isConnected();
            transition(State.STOPPED);
            cancelTimer();
            requests.clear();
            if (!connected) {
                done.complete(null);
                return;
            }
            session.disconnect().whenComplete((v, e) -> done.complete(null));
        });
        return done;
    }

    /** The one place the state changes; illegal moves fail under assertions (tests) and are logged nowhere else. */
    private void transition(State next) {
        assert loop.inEventLoop();
        assert state.canMoveTo(next) : thingName + ": no move from " + state + " to " + next;
        state = next;
    }

    // ================================================================== connection

    private void connect() {
        assert loop.inEventLoop();
        if (state == State.STOPPED) {
            return;
        }
        boolean fresh = state != State.NEW;
        transition(State.CONNECTING);
        connectAttempts++;
        listener.connectStart(thingName, System.nanoTime());
        session.connect(fresh, config.cleanSession() || forceCleanStart).whenComplete((sessionPresent, error) -> {
            if (state == State.STOPPED || error instanceof CancellationException) {
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
            subscribe(sessionPresent);
        });
    }

    /** Exponential backoff with jitter: 1 s, 2 s, 4 s … up to 2 min. */
    private void retryConnect() {
        assert loop.inEventLoop();
        transition(State.OFFLINE);
        loop.schedule(this::connect, connectBackoff.delayMillis(connectAttempts), TimeUnit.MILLISECONDS);
    }

    private void onConnectionLost() {
        assert loop.inEventLoop();
        if (state == State.STOPPED || state == State.OFFLINE || state == State.CONNECTING || state == State.NEW) {
            return;
        }
        // An unplanned drop: keep the work in hand (memory survives), reconnect with backoff, then ask again.
        listener.disconnected(thingName, System.nanoTime());
        cancelTimer();
        requests.clear();
        connectAttempts = Math.max(connectAttempts, 1);
        retryConnect();
    }

    private void subscribe(boolean sessionPresent) {
        assert loop.inEventLoop();
        if (sessionPresent) {
            ask();
            return;
        }
        listener.subscribeStart(thingName, System.nanoTime());
        subscribeTimeout = loop.schedule(
                () -> {
                    // No SUBACK in time: treat the connection as broken and connect again.
                    if (state == State.CONNECTING) {
                        listener.connectFailed(
                                thingName, System.nanoTime(), new IllegalStateException("no SUBACK in time"));
                        session.disconnect();
                        retryConnect();
                    }
                },
                config.answerTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
        session.subscribeJobs().whenComplete((subAck, error) -> {
            subscribeTimeout.cancel(false);
            if (state != State.CONNECTING) {
                return;
            }
            if (error != null) {
                // A drop between CONNACK and SUBACK, or a refused subscription: connect again.
                listener.connectFailed(thingName, System.nanoTime(), error);
                session.disconnect();
                retryConnect();
                return;
            }
            listener.subscribeEnd(thingName, System.nanoTime());
            ask();
        });
    }

    /** Asks for the next pending execution ($next/get by default, start-next as an option). */
    private void ask() {
        assert loop.inEventLoop();
        transition(State.ASKING);
        if (config.useStartNext()) {
            requests.send(
                    JobsTopic.startNext(thingName), new StartNextPendingJobExecutionRequest(null, stepTimeout(), null));
        } else {
            requests.send(
                    JobsTopic.describe(thingName, JobsTopic.NEXT), new DescribeJobExecutionRequest(null, true, null));
        }
    }

    // ================================================================== messages

    private void onPublish(String topicText, byte[] payload) {
        assert loop.inEventLoop();
        if (state == State.STOPPED || state == State.OFFLINE) {
            return;
        }
        if (CertificateRotation.handles(topicText)) {
            if (work != null && config.tls() != null) {
                rotation()
                        .onMessage(
                                topicText,
                                payload,
                                config.tls()
                                        .forThing(thingName)
                                        .getTrustManagerFactory()
                                        .orElse(null));
            }
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
        assert loop.inEventLoop();
        JsonNode json = JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
        RequestTracker.Pending request =
                requests.answered(json.path("clientToken").asText(null));
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
        assert loop.inEventLoop();
        if (state != State.ASKING) {
            return;
        }
        if (!everReady) {
            everReady = true;
            listener.ready(thingName, System.nanoTime());
            ready.complete(null);
        }
        transition(State.IDLE);
        if (work != null && (execution == null || !work.is(execution))) {
            // Back after a lost connection, and the service no longer has our execution pending: its last update
            // reached the service (or it was canceled meanwhile); nothing to carry on.
            cancelTimer();
            rememberFinished();
            work = null;
        }
        if (execution != null) {
            take(execution);
        } else if (parkedSet) {
            takeParked();
        }
    }

    private void onNotifyNext(JobExecution head) {
        assert loop.inEventLoop();
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
        assert loop.inEventLoop();
        if (execution == null
                || execution.status() == null
                || !execution.status().isPending()) {
            return;
        }
        boolean reconnected = state == State.IDLE && work != null && work.is(execution);
        if (reconnected) {
            // Back after a lost connection with this execution in hand: what was in flight may or may not have reached
            // the service, so carry on from what the service has (its status and statusDetails), as after a reboot.
            cancelTimer();
            work = null;
        } else if ((work != null && work.is(execution))
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
        if (!reconnected) {
            listener.jobReceived(thingName, execution.jobId(), execution.executionNumber(), System.nanoTime());
        }
        JobPlan plan = JobDocuments.plan(execution.jobDocument());
        Behaviour.Plan draw =
                config.behaviour().plan(config.seed(), thingName, execution.jobId(), execution.executionNumber());
        work = new Work(
                execution.jobId(),
                execution.executionNumber(),
                execution.versionNumber(),
                execution.status(),
                plan,
                draw);
        if (plan.rejected()) {
            report(JobExecutionStatus.REJECTED, Map.of("reason", StatusText.truncate(plan.rejection())));
            return;
        }
        if (execution.status() == JobExecutionStatus.IN_PROGRESS) {
            resume(execution);
            return;
        }
        transition(State.STARTING);
        work.details.put("step", plan.steps().get(0).name());
        sendUpdate(JobExecutionStatus.IN_PROGRESS, work.details);
    }

    /** After a reboot or reconnect: continue from the step the service has in {@code statusDetails}. */
    private void resume(JobExecution execution) {
        assert loop.inEventLoop();
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
        transition(State.WORKING);
        runStep();
    }

    /** {@code update} is the accepted request when its client token matched one in flight, else null. */
    private void onUpdateAccepted(String jobId, UpdateJobExecutionRequest update) {
        assert loop.inEventLoop();
        if (work == null || !jobId.equals(work.jobId)) {
            return;
        }
        work.version++;
        if (update != null) {
            work.status = update.status();
        }
        if (update != null && state == State.REPORTING && update.status() != work.reporting) {
            return; // a progress update sent before the terminal one: the terminal answer is still to come
        }
        if (state == State.STARTING) {
            listener.statusReported(thingName, jobId, JobExecutionStatus.IN_PROGRESS, System.nanoTime());
            transition(State.WORKING);
            runStep();
        } else if (state == State.REPORTING && work.reporting != null) {
            listener.statusReported(thingName, jobId, work.reporting, System.nanoTime());
            boolean reset = false;
            if (work.reporting == JobExecutionStatus.SUCCEEDED) {
                work.applySuccess(disk);
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
        assert loop.inEventLoop();
        RequestTracker.Pending request = requests.answered(error.clientToken());
        listener.requestRejected(thingName, topic.operation(), error.code(), System.nanoTime());
        RejectedErrorCode code = error.code() == null ? RejectedErrorCode.InternalError : error.code();
        if (code.isRetryable() && request != null) {
            requests.resendLater(request);
            return;
        }
        if (code == RejectedErrorCode.VersionMismatch
                && work != null
                && topic.operation() == JobsTopic.Operation.UPDATE) {
            if (error.executionState() != null && error.executionState().versionNumber() != null) {
                work.version = error.executionState().versionNumber();
                resendLastUpdate();
            } else {
                requests.send(
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
            transition(State.IDLE);
        }
    }

    // ================================================================== work

    private void runStep() {
        assert loop.inEventLoop();
        if (work == null || state != State.WORKING) {
            return;
        }
        if (work.stepIndex >= work.plan.steps().size()) {
            finish();
            return;
        }
        Step step = work.plan.steps().get(work.stepIndex);
        listener.phaseStart(thingName, work.jobId, step.name(), System.nanoTime());
        Duration duration = work.durationOf(step);
        boolean rebootNow =
                step instanceof Step.InstallFirmware && work.draw.rebootDuringInstall() && !work.resumedAfterReboot;
        boolean crashNow = step instanceof Step.Download && work.draw.crashMidDownload() && !work.resumedAfterReboot;
        if (step instanceof Step.Download download) {
            listener.downloadStart(thingName, work.jobId, download.url(), System.nanoTime());
        }
        if (step instanceof Step.RotateCertificate && config.tls() != null) {
            rotation().start();
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
        assert loop.inEventLoop();
        DeviceDownloads downloads = config.downloads();
        byte[] signature =
                step.signatureBase64() == null ? null : Base64.getDecoder().decode(step.signatureBase64());
        DownloadRequest request;
        try {
            request = downloads.request(
                    thingName, step.url(), step.sandboxPath(), step.expectedSize(), step.sha256Hex(), signature);
        } catch (IllegalArgumentException e) {
            report(JobExecutionStatus.REJECTED, Map.of("reason", e.getMessage()));
            return;
        }
        Work w = work;
        w.download = downloads.downloader().fetch(loop, request, (bytes, total) -> {
            if (work == w && state == State.WORKING && bytes > 0 && bytes < total && !requests.updateInFlight()) {
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
        assert loop.inEventLoop();
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
                details.put("reason", StatusText.truncate(result.reason()));
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
        assert loop.inEventLoop();
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
        assert loop.inEventLoop();
        switch (work.draw.outcome()) {
            case SUCCEED -> report(JobExecutionStatus.SUCCEEDED, work.successDetails(thingName, disk));
            case FAIL -> report(JobExecutionStatus.FAILED, Map.of("reason", "simulated failure"));
            case REJECT -> report(JobExecutionStatus.REJECTED, Map.of("reason", "simulated rejection"));
            case HANG -> {
                // Stays IN_PROGRESS until the service's timers make it TIMED_OUT; the device stays busy meanwhile.
                work.stepIndex = Integer.MAX_VALUE - 1;
            }
        }
    }

    /**
     * Reports a terminal status, when AWS's table allows it from what the device knows of the execution
     * ({@link JobExecutionStatus#canTransition}); an execution that can no longer take it is dropped instead.
     */
    private void report(JobExecutionStatus status, Map<String, String> details) {
        assert loop.inEventLoop();
        if (!work.status.canTransition(status, JobExecutionStatus.Cause.DEVICE_UPDATE)) {
            listener.jobCanceled(thingName, work.jobId, work.executionNumber, System.nanoTime());
            dropWork();
            ask();
            return;
        }
        transition(State.REPORTING);
        work.reporting = status;
        sendUpdate(status, details);
    }

    /** Goes offline for {@code duration}; a reboot also forgets what was in hand (the service remembers). */
    private void offline(Duration duration, boolean reboot) {
        assert loop.inEventLoop();
        cancelTimer();
        requests.clear();
        if (reboot) {
            if (rotation != null) {
                rotation.abandon();
            }
            work = null;
            parked = null;
            parkedSet = false;
        }
        transition(State.OFFLINE);
        listener.disconnected(thingName, System.nanoTime());
        offlineReturn = null;
        returnNow = false;
        session.disconnect()
                .whenCompleteAsync(
                        (v, e) -> {
                            long delay = returnNow ? 0 : duration.toNanos();
                            returnNow = false;
                            offlineReturn = loop.schedule(
                                    () -> {
                                        offlineReturn = null;
                                        connect();
                                    },
                                    delay,
                                    TimeUnit.NANOSECONDS);
                        },
                        loop);
    }

    private void dropWork() {
        assert loop.inEventLoop();
        cancelTimer();
        if (rotation != null) {
            rotation.abandon();
        }
        rememberFinished();
        work = null;
        transition(State.IDLE);
    }

    /** The execution in hand is done with (reported, dropped or canceled): later announcements of it are stale. */
    private void rememberFinished() {
        assert loop.inEventLoop();
        if (work != null) {
            finishedJobId = work.jobId;
            finishedExecution = work.executionNumber;
        }
    }

    private void becomeIdle() {
        assert loop.inEventLoop();
        transition(State.IDLE);
        if (parkedSet) {
            takeParked();
        }
    }

    private void takeParked() {
        assert loop.inEventLoop();
        JobExecution next = parked;
        parked = null;
        parkedSet = false;
        take(next);
    }

    private void cancelTimer() {
        assert loop.inEventLoop();
        if (work != null && work.timer != null) {
            work.timer.cancel(false);
            work.timer = null;
        }
        if (work != null && work.download != null) {
            work.download.cancel(false);
            work.download = null;
        }
    }

    /** The configuration this device runs with (devices of one cohort and source address share one). */
    DeviceConfig config() {
        return config;
    }

    private CertificateRotation rotation() {
        if (rotation == null) {
            rotation = new CertificateRotation(thingName, loop, session, new RotationOutcome());
        }
        return rotation;
    }

    /** What a certificate rotation tells the device about its work. */
    private final class RotationOutcome implements CertificateRotation.Outcome {
        @Override
        public void issued(String certificateId) {
            if (work != null) {
                work.details.put("certificateId", certificateId);
            }
        }

        @Override
        public void registered(MqttClientSslConfig tls) {
            if (work == null) {
                return;
            }
            session.useCertificate(tls);
            work.details.put("rotated", "pending");
            sendUpdate(JobExecutionStatus.IN_PROGRESS, work.details);
            loop.schedule(() -> offline(Duration.ofMillis(50), true), 50, TimeUnit.MILLISECONDS);
        }

        @Override
        public void failed(String reason) {
            if (work != null) {
                report(JobExecutionStatus.FAILED, Map.of("reason", StatusText.truncate(reason)));
            }
        }
    }

    // ================================================================== sending

    private Long stepTimeout() {
        return config.stepTimeoutMinutes() == null
                ? null
                : config.stepTimeoutMinutes().longValue();
    }

    private void sendUpdate(JobExecutionStatus status, Map<String, String> details) {
        assert loop.inEventLoop();
        Long step = status == JobExecutionStatus.IN_PROGRESS ? stepTimeout() : null;
        work.lastUpdate = new UpdateJobExecutionRequest(
                status, Map.copyOf(details), work.version, work.executionNumber, null, null, step, null);
        requests.send(JobsTopic.update(thingName, work.jobId), work.lastUpdate);
    }

    /** Resends the execution's last update with the version now known (after a VersionMismatch). */
    private void resendLastUpdate() {
        assert loop.inEventLoop();
        if (work != null && work.lastUpdate != null) {
            UpdateJobExecutionRequest u = work.lastUpdate;
            requests.send(
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
}

package dev.fleetsim.device;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.DownloadRequest;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.handlers.JobDocuments;
import dev.fleetsim.device.handlers.JobPlan;
import dev.fleetsim.device.handlers.Step;
import dev.fleetsim.jobs.DescribeJobExecutionResponse;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsRequestException;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.NextJobExecutionChangedEvent;
import dev.fleetsim.jobs.RejectedError;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.jobs.StartNextJobExecutionResponse;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A device driven one Jobs operation at a time, for load tools that script devices step by step (the Gatling
 * protocol): connect, subscribe, get-pending, start-next, describe, update, wait for a job, carry one out, disconnect.
 * Each call completes with the service's answer, or fails with a {@link JobsRequestException} carrying the rejection
 * code, or a {@link TimeoutException} after the answer timeout. The agent that decides by itself is
 * {@link VirtualDevice}; this one does only what it is asked, with the same session, documents, behaviour draws and
 * downloads.
 *
 * <p>Every call may come from any thread; the work runs on the device's event loop, and so do completions.
 */
public final class SteppedDevice {
    /** A phase of {@link #runJob}, as it ended: its name (download, install, report), times and error (or null). */
    public record PhaseTiming(String phase, long startNanos, long endNanos, String error) {}

    /** How {@link #runJob} ended: the terminal status the service accepted (null for a hang) and each phase. */
    public record JobRun(JobExecutionStatus status, List<PhaseTiming> phases) {}

    private final String thingName;
    private final EventLoop loop;
    private final DeviceConfig config;
    private final DeviceSession session;
    private final Map<String, CompletableFuture<byte[]>> answers = new HashMap<>();
    private final Queue<CompletableFuture<JobExecution>> waiting = new ArrayDeque<>();
    private long tokens;
    /** The latest execution notify-next announced and nobody has taken yet. */
    private JobExecution announced;
    /** The latest execution this device saw (announced, started or described), for session attributes. */
    private volatile JobExecution current;

    private volatile boolean connected;

    public SteppedDevice(String thingName, EventLoop loop, EventLoopGroup nettyGroup, DeviceConfig config) {
        this.thingName = thingName;
        this.loop = loop;
        this.config = config;
        this.session = new DeviceSession(
                thingName, loop, nettyGroup, config, this::onPublish, () -> connected = false, DeviceListener.NONE);
    }

    public String thingName() {
        return thingName;
    }

    public EventLoop loop() {
        return loop;
    }

    /** The latest execution seen, or null. */
    public JobExecution current() {
        return current;
    }

    public boolean isConnected() {
        return connected;
    }

    /** CONNECT → CONNACK (a clean session unless the configuration keeps sessions). */
    public CompletableFuture<Void> connect() {
        return onLoop(() -> session.connect(true, config.cleanSession()).thenAccept(ack -> connected = true));
    }

    /** SUBSCRIBE → SUBACK on the thing's Jobs topics: notifications and every answer. */
    public CompletableFuture<Void> subscribe() {
        String p = JobsTopic.prefix(thingName);
        return onLoop(() -> session.subscribe(List.of(
                        p + "/notify-next", p + "/get/+", p + "/+/get/+", p + "/+/update/+", p + "/start-next/+"))
                .thenAccept(subAck -> {}));
    }

    /**
     * GetPendingJobExecutions: the accepted answer's JSON ({@code inProgressJobs}, {@code queuedJobs}) as received;
     * parse it with {@link JobsJson} when the content matters (a load test that only needs the round trip does not
     * pay for parsing).
     */
    public CompletableFuture<byte[]> getPending() {
        // The request is only its token (tokens this device makes need no escaping): written without a serializer.
        return request(JobsTopic.getPending(thingName), token -> tokenOnly(token, ""));
    }

    /** StartNextPendingJobExecution: the execution now IN_PROGRESS, or null when nothing is pending. */
    public CompletableFuture<JobExecution> startNext(Map<String, String> statusDetails) {
        return request(
                        JobsTopic.startNext(thingName),
                        token -> new StartNextPendingJobExecutionRequest(statusDetails, null, token))
                .thenApply(json -> seen(
                        JobsJson.read(json, StartNextJobExecutionResponse.class).execution()));
    }

    /** DescribeJobExecution of {@code jobId} ({@code $next} for the next pending one), with its document. */
    public CompletableFuture<JobExecution> describe(String jobId) {
        return request(JobsTopic.describe(thingName, jobId), token -> tokenOnly(token, ",\"includeJobDocument\":true"))
                .thenApply(json -> seen(
                        JobsJson.read(json, DescribeJobExecutionResponse.class).execution()));
    }

    /** UpdateJobExecution; {@code expectedVersion} null skips the version check. The accepted answer's JSON. */
    public CompletableFuture<JsonNode> update(
            String jobId, JobExecutionStatus status, Map<String, String> statusDetails, Integer expectedVersion) {
        return request(
                        JobsTopic.update(thingName, jobId),
                        token -> new UpdateJobExecutionRequest(
                                status, statusDetails, expectedVersion, null, true, null, null, token))
                .thenApply(json -> JobsJson.readTree(new String(json, StandardCharsets.UTF_8)));
    }

    /**
     * The next pending execution, within {@code timeout}: one notify-next announced since the last call, or the one
     * {@code $next} describes when the wait starts (as an agent asks when it comes up, so an announcement made before
     * it subscribed is not missed), or the next notify-next announces; fails with a {@link TimeoutException} when none
     * comes.
     */
    public CompletableFuture<JobExecution> awaitJob(Duration timeout) {
        CompletableFuture<JobExecution> done = new CompletableFuture<>();
        onLoop(() -> {
            if (announced != null) {
                JobExecution e = announced;
                announced = null;
                done.complete(e);
                return;
            }
            waiting.add(done);
            describe(JobsTopic.NEXT)
                    .whenCompleteAsync(
                            (e, error) -> {
                                if (e != null
                                        && e.status() != null
                                        && e.status().isPending()
                                        && waiting.remove(done)) {
                                    done.complete(e);
                                }
                            },
                            loop);
            ScheduledFuture<?> timer = loop.schedule(
                    () -> {
                        if (waiting.remove(done)) {
                            done.completeExceptionally(
                                    new TimeoutException("no job announced within " + timeout.toMillis() + " ms"));
                        }
                    },
                    timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            done.whenComplete((e, error) -> timer.cancel(false));
        });
        return done;
    }

    /**
     * Carries out {@code execution} as a {@link VirtualDevice} would, from its document and the cohort's seeded draw:
     * IN_PROGRESS, the document's steps (downloads for real, verified; installs for their drawn time), then the drawn
     * outcome reported. {@code phase} hears each phase as it ends, on the device's loop.
     */
    public CompletableFuture<JobRun> runJob(JobExecution execution, Consumer<PhaseTiming> phase) {
        CompletableFuture<JobRun> done = new CompletableFuture<>();
        onLoop(() -> new Run(execution, phase, done).start());
        return done;
    }

    /** DISCONNECT; answers still expected fail. */
    public CompletableFuture<Void> disconnect() {
        return onLoop(() -> {
            connected = false;
            answers.values().forEach(f -> f.completeExceptionally(new IllegalStateException("disconnected")));
            answers.clear();
            return session.disconnect();
        });
    }

    // ------------------------------------------------------------------ requests and answers

    private interface Payload {
        Object with(String clientToken);
    }

    /** {@code {"clientToken":"…"<rest>}} as bytes: the JSON of a request that is its token and fixed fields. */
    private static byte[] tokenOnly(String token, String rest) {
        return ("{\"clientToken\":\"" + token + "\"" + rest + "}").getBytes(StandardCharsets.UTF_8);
    }

    private CompletableFuture<byte[]> request(JobsTopic topic, Payload payload) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        onLoop(() -> {
            String token = thingName + "-" + (++tokens);
            answers.put(token, done);
            ScheduledFuture<?> timer = loop.schedule(
                    () -> {
                        if (answers.remove(token) != null) {
                            done.completeExceptionally(new TimeoutException("no answer on " + topic + " within "
                                    + config.answerTimeout().toMillis() + " ms"));
                        }
                    },
                    config.answerTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            done.whenComplete((json, error) -> timer.cancel(false));
            Object body = payload.with(token);
            session.publish(topic.toString(), body instanceof byte[] bytes ? bytes : JobsJson.write(body));
        });
        return done;
    }

    private void onPublish(String topicText, byte[] payload) {
        assert loop.inEventLoop();
        JobsTopic topic = JobsTopic.parse(topicText).orElse(null);
        if (topic == null || !topic.thingName().equals(thingName)) {
            return;
        }
        try {
            if (topic.operation() == JobsTopic.Operation.NOTIFY_NEXT) {
                JobExecution e = JobsJson.read(payload, NextJobExecutionChangedEvent.class)
                        .execution();
                if (e != null) {
                    seen(e);
                    CompletableFuture<JobExecution> first = waiting.poll();
                    if (first != null) {
                        first.complete(e);
                    } else {
                        announced = e;
                    }
                }
                return;
            }
            CompletableFuture<byte[]> answer = answers.remove(clientToken(payload));
            if (answer == null) {
                return; // another client's token, or an answer after its timeout
            }
            if (topic.suffix() == JobsTopic.Suffix.REJECTED) {
                RejectedError r = JobsJson.read(payload, RejectedError.class);
                answer.completeExceptionally(new JobsRequestException(
                        r.code() == null ? RejectedErrorCode.InternalError : r.code(),
                        r.message(),
                        r.clientToken(),
                        r.executionState()));
            } else {
                answer.complete(payload);
            }
        } catch (RuntimeException malformed) {
            // a malformed message from the service must not break the device
        }
    }

    private static final byte[] TOKEN_KEY = "\"clientToken\":\"".getBytes(StandardCharsets.UTF_8);

    /**
     * The answer's {@code clientToken}, found without parsing the whole answer (a describe carries the job document):
     * the service writes compact JSON, and tokens this device makes need no escapes. Falls back to a full parse.
     */
    static String clientToken(byte[] json) {
        outer:
        for (int i = 0; i + TOKEN_KEY.length <= json.length; i++) {
            for (int k = 0; k < TOKEN_KEY.length; k++) {
                if (json[i + k] != TOKEN_KEY[k]) {
                    continue outer;
                }
            }
            int start = i + TOKEN_KEY.length;
            for (int end = start; end < json.length; end++) {
                if (json[end] == '\\') {
                    break; // an escape: let the parser read it
                }
                if (json[end] == '"') {
                    return new String(json, start, end - start, StandardCharsets.UTF_8);
                }
            }
            break;
        }
        return JobsJson.readTree(new String(json, StandardCharsets.UTF_8))
                .path("clientToken")
                .asText("");
    }

    private JobExecution seen(JobExecution e) {
        if (e != null) {
            current = e;
        }
        return e;
    }

    /** Runs {@code work} on the device's loop: at once when already there (a Gatling user on its own loop). */
    private void onLoop(Runnable work) {
        if (loop.inEventLoop()) {
            work.run();
        } else {
            loop.execute(work);
        }
    }

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        onLoop(() -> {
            try {
                work.get().whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // ------------------------------------------------------------------ one execution

    /** One execution carried out: loop-confined. */
    private final class Run {
        private final JobExecution execution;
        private final Consumer<PhaseTiming> phase;
        private final CompletableFuture<JobRun> done;
        private final List<PhaseTiming> phases = new ArrayList<>();
        private final JobPlan plan;
        private final Behaviour.Plan draw;
        private final Map<String, String> details = new LinkedHashMap<>();
        private int version;
        private int step;

        Run(JobExecution execution, Consumer<PhaseTiming> phase, CompletableFuture<JobRun> done) {
            this.execution = execution;
            this.phase = phase;
            this.done = done;
            this.plan = JobDocuments.plan(execution.jobDocument());
            this.draw = config.behaviour()
                    .plan(
                            config.seed(),
                            thingName,
                            execution.jobId(),
                            execution.executionNumber() == null ? 1 : execution.executionNumber());
            this.version = execution.versionNumber() == null ? 1 : execution.versionNumber();
        }

        void start() {
            if (plan.rejected()) {
                report(JobExecutionStatus.REJECTED, Map.of("reason", StatusText.truncate(plan.rejection())));
                return;
            }
            if (execution.status() == JobExecutionStatus.IN_PROGRESS) {
                next();
                return;
            }
            details.put(
                    "step",
                    plan.steps().isEmpty() ? "done" : plan.steps().get(0).name());
            update(execution.jobId(), JobExecutionStatus.IN_PROGRESS, Map.copyOf(details), null)
                    .whenComplete((json, error) -> {
                        if (error != null) {
                            fail(error);
                            return;
                        }
                        version = json.path("executionState")
                                .path("versionNumber")
                                .asInt(version + 1);
                        next();
                    });
        }

        private void next() {
            assert loop.inEventLoop();
            if (step >= plan.steps().size()) {
                finish();
                return;
            }
            Step s = plan.steps().get(step++);
            long start = System.nanoTime();
            DeviceDownloads downloads = config.downloads();
            if (s instanceof Step.Download d && downloads != null) {
                DownloadRequest request;
                try {
                    request = downloads.request(
                            thingName,
                            d.url(),
                            d.sandboxPath(),
                            d.expectedSize(),
                            d.sha256Hex(),
                            d.signatureBase64() == null
                                    ? null
                                    : Base64.getDecoder().decode(d.signatureBase64()));
                } catch (IllegalArgumentException e) {
                    ended("download", start, e.getMessage());
                    report(JobExecutionStatus.REJECTED, Map.of("reason", StatusText.truncate(e.getMessage())));
                    return;
                }
                downloads
                        .downloader()
                        .fetch(loop, request, (bytes, total) -> {})
                        .addListener(f -> {
                            DownloadResult r = (DownloadResult) f.getNow();
                            if (r == null || r.outcome() != DownloadResult.Outcome.SUCCEEDED) {
                                String reason = r == null ? String.valueOf(f.cause()) : r.outcome() + ": " + r.reason();
                                ended("download", start, reason);
                                report(JobExecutionStatus.FAILED, Map.of("reason", StatusText.truncate(reason)));
                            } else {
                                ended("download", start, null);
                                next();
                            }
                        });
                return;
            }
            Duration time = s instanceof Step.Download
                    ? draw.download()
                    : s instanceof Step.InstallFirmware || s instanceof Step.Packages
                            ? draw.install()
                            : Duration.ofMillis(10);
            String name = s instanceof Step.Download ? "download" : "install";
            loop.schedule(
                    () -> {
                        ended(name, start, null);
                        next();
                    },
                    time.toNanos(),
                    TimeUnit.NANOSECONDS);
        }

        private void finish() {
            switch (draw.outcome()) {
                case SUCCEED -> report(JobExecutionStatus.SUCCEEDED, Map.of("step", "done"));
                case FAIL -> report(JobExecutionStatus.FAILED, Map.of("reason", "simulated failure"));
                case REJECT -> report(JobExecutionStatus.REJECTED, Map.of("reason", "simulated rejection"));
                case HANG -> done.complete(new JobRun(null, List.copyOf(phases))); // the service times it out
            }
        }

        private void report(JobExecutionStatus status, Map<String, String> statusDetails) {
            long start = System.nanoTime();
            update(execution.jobId(), status, statusDetails, version).whenComplete((json, error) -> {
                ended("report", start, error == null ? null : describeError(error));
                if (error != null) {
                    fail(error);
                } else {
                    done.complete(new JobRun(status, List.copyOf(phases)));
                }
            });
        }

        private void ended(String name, long start, String error) {
            PhaseTiming t = new PhaseTiming(name, start, System.nanoTime(), error);
            phases.add(t);
            phase.accept(t);
        }

        private void fail(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    /** A failure as Gatling shows it: the rejection code and message, or the exception's message. */
    public static String describeError(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof JobsRequestException r) {
            return r.code() + (r.getMessage() == null ? "" : ": " + r.getMessage());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}

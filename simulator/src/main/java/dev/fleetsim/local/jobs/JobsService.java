package dev.fleetsim.local.jobs;

import static dev.fleetsim.jobs.RejectedErrorCode.InternalError;
import static dev.fleetsim.jobs.RejectedErrorCode.InvalidStateTransition;
import static dev.fleetsim.jobs.RejectedErrorCode.InvalidTopic;
import static dev.fleetsim.jobs.RejectedErrorCode.ResourceNotFound;
import static dev.fleetsim.jobs.RejectedErrorCode.VersionMismatch;

import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.DescribeJobExecutionResponse;
import dev.fleetsim.jobs.GetPendingJobExecutionsResponse;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobExecutionSummary;
import dev.fleetsim.jobs.JobExecutionsChangedEvent;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsRequestException;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.NextJobExecutionChangedEvent;
import dev.fleetsim.jobs.RejectedError;
import dev.fleetsim.jobs.StartNextJobExecutionResponse;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local IoT Jobs service: job and execution state, and the device MQTT API of spec §2 (get, start-next,
 * describe including {@code $next}, update) with the {@code notify} / {@code notify-next} rules of §3.7.
 *
 * <p>Threading: all state lives on one engine thread. {@link #onDeviceRequest} and the control methods hop onto it;
 * nothing blocks there. Answers go to the requesting client first, then notifications, in the order the changes
 * happened.
 *
 * <p>Not yet here (next issues): rollout rates, timers, retries, abort, cancellation, scheduling, groups, the REST
 * control plane. A job queues an execution for every target at creation, which AWS's default rate of 1,000 things
 * per minute also does for fleets of up to 1,000 things.
 */
public final class JobsService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobsService.class);
    /** At most this many executions in {@code get/accepted} and {@code notify} (spec §2.3, §2.9.1). */
    static final int MAX_LISTED = 10;

    private final Clock clock;
    private final JobsOutbound outbound;
    private final ExecutorService engine;

    private final Map<String, ThingJobs> things = new HashMap<>();
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final List<Runnable> notifications = new ArrayList<>();
    private long sequence;

    public JobsService(Clock clock, JobsOutbound outbound) {
        this.clock = clock;
        this.outbound = outbound;
        this.engine = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fleetsim-jobs-engine");
            t.setDaemon(true);
            return t;
        });
    }

    // ------------------------------------------------------------------ control (application side)

    /** Makes things known to the service (the control plane's CreateThing comes with the REST API). */
    public CompletableFuture<Void> registerThings(Collection<String> thingNames) {
        List<String> names = List.copyOf(thingNames);
        return onEngine(() -> {
            for (String name : names) {
                if (!JobsTopic.isValidThingName(name)) {
                    throw new IllegalArgumentException("invalid thing name: " + name);
                }
                things.computeIfAbsent(name, ThingJobs::new);
            }
            return null;
        });
    }

    /**
     * Creates a SNAPSHOT job and queues one execution per target thing, publishing {@code notify} and, where the new
     * execution becomes a thing's head, {@code notify-next}.
     */
    public CompletableFuture<JobView> createJob(CreateJobSpec spec) {
        return onEngine(() -> {
            if (jobs.containsKey(spec.jobId())) {
                throw new IllegalArgumentException("job " + spec.jobId() + " already exists");
            }
            for (String target : spec.targets()) {
                if (!things.containsKey(target)) {
                    throw new IllegalArgumentException("thing " + target + " does not exist");
                }
            }
            Instant now = clock.instant();
            Job job = new Job(
                    spec.jobId(),
                    spec.description(),
                    spec.document(),
                    JobsJson.readTree(spec.document()),
                    spec.targets(),
                    now);
            jobs.put(job.jobId, job);
            for (String target : new LinkedHashSet<>(spec.targets())) {
                ThingJobs thing = things.get(target);
                PendingSnapshot before = PendingSnapshot.of(thing);
                thing.add(new Execution(job, target, 1, ++sequence, now));
                queueNotifications(thing, before);
            }
            flushNotifications();
            return job.view();
        });
    }

    /** A snapshot of the job, or empty when there is none. */
    public CompletableFuture<Optional<JobView>> describeJob(String jobId) {
        return onEngine(() -> Optional.ofNullable(jobs.get(jobId)).map(Job::view));
    }

    // ------------------------------------------------------------------ device API

    /**
     * A device published to a jobs topic. Called on a broker thread; the work runs on the engine thread and the answer
     * goes to {@code clientId} only.
     */
    public void onDeviceRequest(String clientId, String topic, byte[] payload) {
        engine.execute(() -> handle(clientId, topic, payload));
    }

    private void handle(String clientId, String topicText, byte[] payload) {
        Optional<JobsTopic> parsed = JobsTopic.parse(topicText);
        if (parsed.isEmpty()) {
            return;
        }
        JobsTopic topic = parsed.get();
        String rejectedTopic = topicText + "/rejected";
        try {
            Object answer = switch (topic.isRequest() ? topic.operation() : JobsTopic.Operation.INVALID) {
                case GET_PENDING -> getPending(topic, payload);
                case START_NEXT -> startNext(topic, payload);
                case DESCRIBE -> describe(topic, payload);
                case UPDATE -> update(topic, payload);
                case NOTIFY, NOTIFY_NEXT, INVALID ->
                    throw new JobsRequestException(
                            InvalidTopic, "topic maps to no jobs API: " + topicText, bestEffortToken(payload));
            };
            outbound.toClient(clientId, topic.accepted().toString(), JobsJson.write(answer));
        } catch (JobsRequestException e) {
            outbound.toClient(clientId, rejectedTopic, JobsJson.write(e.toRejectedError(nowSeconds())));
        } catch (RuntimeException e) {
            log.error("internal error answering {}", topicText, e);
            RejectedError error =
                    new RejectedError(InternalError, "internal error", bestEffortToken(payload), nowSeconds(), null);
            outbound.toClient(clientId, rejectedTopic, JobsJson.write(error));
        }
        flushNotifications();
    }

    private GetPendingJobExecutionsResponse getPending(JobsTopic topic, byte[] payload) throws JobsRequestException {
        String token = JobsJson.parseGetPending(payload).clientToken();
        List<JobExecutionSummary> inProgress = new ArrayList<>();
        List<JobExecutionSummary> queued = new ArrayList<>();
        ThingJobs thing = things.get(topic.thingName());
        if (thing != null) {
            List<Execution> pending = thing.pending();
            for (int i = 0; i < Math.min(MAX_LISTED, pending.size()); i++) {
                Execution e = pending.get(i);
                (e.status == JobExecutionStatus.IN_PROGRESS ? inProgress : queued).add(e.summary());
            }
        }
        return new GetPendingJobExecutionsResponse(inProgress, queued, nowSeconds(), token);
    }

    private StartNextJobExecutionResponse startNext(JobsTopic topic, byte[] payload) throws JobsRequestException {
        StartNextPendingJobExecutionRequest request = JobsJson.parseStartNext(payload);
        ThingJobs thing = things.get(topic.thingName());
        Execution head = thing == null ? null : thing.head();
        if (head == null) {
            return new StartNextJobExecutionResponse(null, nowSeconds(), request.clientToken());
        }
        if (head.status == JobExecutionStatus.QUEUED) {
            PendingSnapshot before = PendingSnapshot.of(thing);
            head.moveTo(JobExecutionStatus.IN_PROGRESS, clock.instant());
            head.replaceStatusDetails(request.statusDetails());
            thing.reorder();
            queueNotifications(thing, before);
        }
        return new StartNextJobExecutionResponse(head.toDevice(true), nowSeconds(), request.clientToken());
    }

    private DescribeJobExecutionResponse describe(JobsTopic topic, byte[] payload) throws JobsRequestException {
        DescribeJobExecutionRequest request = JobsJson.parseDescribe(payload);
        ThingJobs thing = things.get(topic.thingName());
        Execution execution;
        if (JobsTopic.NEXT.equals(topic.jobId())) {
            execution = thing == null ? null : thing.head();
            if (execution == null) {
                return new DescribeJobExecutionResponse(null, nowSeconds(), request.clientToken());
            }
        } else {
            execution = thing == null ? null : thing.find(topic.jobId(), request.executionNumber());
            if (execution == null) {
                throw notFound(topic, request.clientToken());
            }
        }
        return new DescribeJobExecutionResponse(
                execution.toDevice(request.includeJobDocumentOrDefault()), nowSeconds(), request.clientToken());
    }

    private UpdateJobExecutionResponse update(JobsTopic topic, byte[] payload) throws JobsRequestException {
        UpdateJobExecutionRequest request = JobsJson.parseUpdate(payload);
        String token = request.clientToken();
        ThingJobs thing = things.get(topic.thingName());
        Execution execution = thing == null ? null : thing.find(topic.jobId(), request.executionNumber());
        if (execution == null) {
            throw notFound(topic, token);
        }
        if (!execution.status.canTransition(request.status(), JobExecutionStatus.Cause.DEVICE_UPDATE)) {
            throw new JobsRequestException(
                    InvalidStateTransition,
                    "cannot update a job execution in status " + execution.status + " to " + request.status(),
                    token,
                    execution.state());
        }
        if (request.expectedVersion() != null && request.expectedVersion() != execution.versionNumber) {
            throw new JobsRequestException(
                    VersionMismatch,
                    "expected version " + request.expectedVersion() + " but the current version is "
                            + execution.versionNumber,
                    token,
                    execution.state());
        }
        PendingSnapshot before = PendingSnapshot.of(thing);
        Instant now = clock.instant();
        execution.moveTo(request.status(), now);
        execution.replaceStatusDetails(request.statusDetails());
        thing.reorder();
        queueNotifications(thing, before);
        if (request.status().isTerminal()) {
            completeIfDone(execution.job, now);
        }
        return new UpdateJobExecutionResponse(
                Boolean.TRUE.equals(request.includeJobExecutionState()) ? execution.state() : null,
                Boolean.TRUE.equals(request.includeJobDocument()) ? execution.job.document : null,
                nowSeconds(),
                token);
    }

    private void completeIfDone(Job job, Instant now) {
        if (job.status == JobStatus.IN_PROGRESS && job.pendingCount() == 0) {
            job.status = JobStatus.COMPLETED;
            job.completedAt = now;
            job.lastUpdatedAt = now;
        }
    }

    private static JobsRequestException notFound(JobsTopic topic, String token) {
        return new JobsRequestException(
                ResourceNotFound,
                "job execution " + topic.jobId() + " does not exist for thing " + topic.thingName(),
                token);
    }

    // ------------------------------------------------------------------ notifications (§3.7)

    /** What notify / notify-next compare against: the pending set and the head before a change. */
    private record PendingSnapshot(Set<Execution> pending, Execution head) {
        static PendingSnapshot of(ThingJobs thing) {
            return new PendingSnapshot(new HashSet<>(thing.pending()), thing.head());
        }
    }

    /**
     * {@code notify} when the set of pending executions changed (not on QUEUED → IN_PROGRESS); {@code notify-next}
     * when the identity of the head changed, with only a timestamp when the queue drained.
     */
    private void queueNotifications(ThingJobs thing, PendingSnapshot before) {
        boolean setChanged = !before.pending().equals(new HashSet<>(thing.pending()));
        Execution head = thing.head();
        boolean headChanged = head != before.head();
        if (!setChanged && !headChanged) {
            return;
        }
        long timestamp = nowSeconds();
        if (setChanged) {
            Map<JobExecutionStatus, List<JobExecutionSummary>> lists = new LinkedHashMap<>();
            List<Execution> pending = thing.pending();
            for (int i = 0; i < Math.min(MAX_LISTED, pending.size()); i++) {
                Execution e = pending.get(i);
                lists.computeIfAbsent(e.status, s -> new ArrayList<>()).add(e.summary());
            }
            byte[] payload = JobsJson.write(new JobExecutionsChangedEvent(lists, timestamp));
            String topic = JobsTopic.notifyTopic(thing.thingName).toString();
            notifications.add(() -> outbound.publish(topic, payload));
        }
        if (headChanged) {
            byte[] payload = JobsJson.write(
                    new NextJobExecutionChangedEvent(head == null ? null : head.toDevice(true), timestamp));
            String topic = JobsTopic.notifyNext(thing.thingName).toString();
            notifications.add(() -> outbound.publish(topic, payload));
        }
    }

    private void flushNotifications() {
        for (Runnable r : notifications) {
            r.run();
        }
        notifications.clear();
    }

    // ------------------------------------------------------------------ plumbing

    private long nowSeconds() {
        return clock.instant().getEpochSecond();
    }

    private static String bestEffortToken(byte[] payload) {
        try {
            var node = JobsJson.mapper().readTree(payload == null ? new byte[0] : payload);
            var token = node == null ? null : node.get("clientToken");
            return token != null && token.isTextual() ? token.textValue() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private <T> CompletableFuture<T> onEngine(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, engine);
    }

    @Override
    public void close() {
        engine.shutdown();
        try {
            engine.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

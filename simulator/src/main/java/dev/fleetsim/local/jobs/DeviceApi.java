package dev.fleetsim.local.jobs;

import static dev.fleetsim.jobs.RejectedErrorCode.InternalError;
import static dev.fleetsim.jobs.RejectedErrorCode.InvalidStateTransition;
import static dev.fleetsim.jobs.RejectedErrorCode.InvalidTopic;
import static dev.fleetsim.jobs.RejectedErrorCode.RequestThrottled;
import static dev.fleetsim.jobs.RejectedErrorCode.ResourceNotFound;
import static dev.fleetsim.jobs.RejectedErrorCode.VersionMismatch;

import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.DescribeJobExecutionResponse;
import dev.fleetsim.jobs.GetPendingJobExecutionsResponse;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobExecutionSummary;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsRequestException;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedError;
import dev.fleetsim.jobs.StartNextJobExecutionResponse;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionResponse;
import dev.fleetsim.net.TokenBucket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device API of spec §2 over MQTT: get, start-next, describe (including {@code $next}) and update, with their
 * answers to the requesting client only. The HTTPS data plane ({@code iot-jobs-data}, §4.8) reuses the same
 * operations. Engine thread only.
 */
public final class DeviceApi {
    private static final Logger log = LoggerFactory.getLogger(DeviceApi.class);

    private final JobsEngine engine;
    private final JobsOutbound outbound;
    private final JobsMeters meters;
    /** Device-API requests per second before {@code RequestThrottled} (§13.3 step 6); unlimited at 0. */
    private final TokenBucket rate;

    /** Which characters a statusDetails value may hold (§3.4). */
    private final StatusDetailChars statusDetailChars;

    DeviceApi(
            JobsEngine engine,
            JobsOutbound outbound,
            JobsMeters meters,
            double ratePerSecond,
            StatusDetailChars statusDetailChars) {
        this.engine = engine;
        this.statusDetailChars = statusDetailChars;
        this.outbound = outbound;
        this.meters = meters;
        this.rate = TokenBucket.perSecond(ratePerSecond);
    }

    private boolean throttled() {
        return !rate.tryTake();
    }

    /** Answers one MQTT request, then sends the notifications it caused. */
    void handle(String clientId, String topicText, byte[] payload) {
        Optional<JobsTopic> parsed = JobsTopic.parse(topicText);
        if (parsed.isEmpty()) {
            return;
        }
        JobsTopic topic = parsed.get();
        String rejectedTopic = topicText + "/rejected";
        try {
            if (topic.isRequest() && throttled()) {
                throw new JobsRequestException(RequestThrottled, "rate exceeded", bestEffortToken(payload));
            }
            Object answer = switch (topic.isRequest() ? topic.operation() : JobsTopic.Operation.INVALID) {
                case GET_PENDING ->
                    getPending(
                            topic.thingName(), JobsJson.parseGetPending(payload).clientToken());
                case START_NEXT -> startNext(topic.thingName(), JobsJson.parseStartNext(payload, statusDetailChars));
                case DESCRIBE -> describe(topic.thingName(), topic.jobId(), JobsJson.parseDescribe(payload));
                case UPDATE ->
                    update(topic.thingName(), topic.jobId(), JobsJson.parseUpdate(payload, statusDetailChars));
                case NOTIFY, NOTIFY_NEXT, INVALID ->
                    throw new JobsRequestException(
                            InvalidTopic, "topic maps to no jobs API: " + topicText, bestEffortToken(payload));
            };
            outbound.toClient(clientId, topic.accepted().toString(), JobsJson.write(answer));
            meters.deviceRequest(topic.operation().name(), "accepted");
        } catch (JobsRequestException e) {
            outbound.toClient(clientId, rejectedTopic, JobsJson.write(e.toRejectedError(seconds())));
            meters.deviceRequest(topic.operation().name(), e.code().name());
        } catch (RuntimeException e) {
            meters.deviceRequest(topic.operation().name(), InternalError.name());
            log.error("internal error answering {}", topicText, e);
            RejectedError error =
                    new RejectedError(InternalError, "internal error", bestEffortToken(payload), seconds(), null);
            outbound.toClient(clientId, rejectedTopic, JobsJson.write(error));
        }
        engine.flush();
    }

    public StatusDetailChars statusDetailChars() {
        return statusDetailChars;
    }

    public GetPendingJobExecutionsResponse getPending(String thingName, String token) {
        List<JobExecutionSummary> inProgress = new ArrayList<>();
        List<JobExecutionSummary> queued = new ArrayList<>();
        List<Execution> pending = engine.pending(thingName);
        int limit = MaintenanceWindows.listLimit(pending, engine.now());
        for (int i = 0; i < Math.min(limit, pending.size()); i++) {
            Execution e = pending.get(i);
            if (e.job.status == JobStatus.SCHEDULED) {
                continue;
            }
            (e.status == JobExecutionStatus.IN_PROGRESS ? inProgress : queued).add(e.summary());
        }
        return new GetPendingJobExecutionsResponse(inProgress, queued, seconds(), token);
    }

    public StartNextJobExecutionResponse startNext(String thingName, StartNextPendingJobExecutionRequest request) {
        Execution head = engine.head(thingName);
        Instant now = engine.now();
        if (head == null) {
            return new StartNextJobExecutionResponse(null, seconds(), request.clientToken());
        }
        if (head.status == JobExecutionStatus.QUEUED) {
            engine.start(head, request.statusDetails(), request.stepTimeoutInMinutes(), now);
        }
        return new StartNextJobExecutionResponse(
                head.toDevice(engine.deliveredDocument(head.job), now), seconds(), request.clientToken());
    }

    public DescribeJobExecutionResponse describe(String thingName, String jobId, DescribeJobExecutionRequest request)
            throws JobsRequestException {
        Execution execution = JobsTopic.NEXT.equals(jobId)
                ? engine.head(thingName)
                : engine.find(thingName, jobId, request.executionNumber());
        if (execution == null) {
            if (JobsTopic.NEXT.equals(jobId)) {
                return new DescribeJobExecutionResponse(null, seconds(), request.clientToken());
            }
            throw notFound(thingName, jobId, request.clientToken());
        }
        Instant now = engine.now();
        return new DescribeJobExecutionResponse(
                execution.toDevice(
                        request.includeJobDocumentOrDefault() ? engine.deliveredDocument(execution.job) : null, now),
                seconds(),
                request.clientToken());
    }

    public UpdateJobExecutionResponse update(String thingName, String jobId, UpdateJobExecutionRequest request)
            throws JobsRequestException {
        String token = request.clientToken();
        Execution execution = engine.find(thingName, jobId, request.executionNumber());
        if (execution == null) {
            throw notFound(thingName, jobId, token);
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
        // §2.6: a step timer is meaningful only with IN_PROGRESS; a terminal update stops every timer anyway.
        engine.deviceUpdate(
                execution,
                request.status(),
                request.statusDetails(),
                request.status() == JobExecutionStatus.IN_PROGRESS ? request.stepTimeoutInMinutes() : null,
                engine.now());
        return new UpdateJobExecutionResponse(
                Boolean.TRUE.equals(request.includeJobExecutionState()) ? execution.state() : null,
                Boolean.TRUE.equals(request.includeJobDocument()) ? engine.deliveredDocument(execution.job) : null,
                seconds(),
                token);
    }

    private static JobsRequestException notFound(String thingName, String jobId, String token) {
        return new JobsRequestException(
                ResourceNotFound, "job execution " + jobId + " does not exist for thing " + thingName, token);
    }

    private long seconds() {
        return engine.now().getEpochSecond();
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
}

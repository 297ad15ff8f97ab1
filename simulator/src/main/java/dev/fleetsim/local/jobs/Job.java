package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RateIncrease;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A job, its configuration, rollout state and counters. Engine thread only. */
public final class Job {
    final String jobId;
    final String jobArn;
    final String targetSelection;
    /** Target ARNs as given; AssociateTargetsWithJob adds to them. */
    final List<String> targets = new ArrayList<>();

    final String documentText;
    final JsonNode document;
    final String documentSource;
    final String jobTemplateArn;
    final Map<String, String> documentParameters;
    final JobConfig.Scheduling scheduling;
    final Instant createdAt;
    final Instant startTime;
    final Instant endTime;

    String description;
    JobConfig.PresignedUrl presignedUrl;
    JobConfig.Rollout rollout;
    JobConfig.Abort abort;
    JobConfig.Timeout timeout;
    JobConfig.Retry retry;

    JobStatus status;
    boolean forceCanceled;
    String reasonCode;
    String comment;
    Instant lastUpdatedAt;
    Instant completedAt;
    /** The end behaviour already applied at {@link #endTime}. */
    boolean ended;

    // rollout state (§13.1)
    /** The things the rollout goes through, in order, as resolved at creation (journaled once). */
    List<String> rolloutTargets = List.of();
    /** How many of {@link #rolloutTargets} the rollout has taken: the rest, less deleted things, are pending. */
    int polled;

    final Deque<String> pendingTargets = new ArrayDeque<>();
    long notified;
    Instant rolloutStart;
    long window = -1;
    int notifiedInWindow;
    /** The rate of the current minute under {@link RateIncrease#NEXT_MINUTE}: fixed when the minute begins. */
    int windowRate;
    /** Per simulated minute of rollout: executions queued by the rollout. */
    final List<Integer> notifiedPerMinute = new ArrayList<>();

    /** Where changes to the job and its executions are recorded for the journal. */
    final StateChanges changes;

    /** thing → executions in executionNumber order. */
    final Map<String, List<Execution>> executions = new LinkedHashMap<>();
    /** Latest execution of each thing, per status: the {@code jobProcessDetails} counters. */
    private final EnumMap<JobExecutionStatus, Integer> counts = new EnumMap<>(JobExecutionStatus.class);

    Job(
            String jobId,
            String jobArn,
            String targetSelection,
            List<String> targets,
            String documentText,
            JsonNode document,
            String documentSource,
            String jobTemplateArn,
            Map<String, String> documentParameters,
            JobConfig.Scheduling scheduling,
            Instant startTime,
            Instant endTime,
            Instant now,
            StateChanges changes) {
        this.changes = changes;
        this.jobId = jobId;
        this.jobArn = jobArn;
        this.targetSelection = targetSelection;
        this.targets.addAll(targets);
        this.documentText = documentText;
        this.document = document;
        this.documentSource = documentSource;
        this.jobTemplateArn = jobTemplateArn;
        this.documentParameters = documentParameters;
        this.scheduling = scheduling;
        this.startTime = startTime;
        this.endTime = endTime;
        this.createdAt = now;
        this.lastUpdatedAt = now;
    }

    public String jobId() {
        return jobId;
    }

    public String jobArn() {
        return jobArn;
    }

    /** SNAPSHOT or CONTINUOUS. */
    public String targetSelection() {
        return targetSelection;
    }

    /** Target ARNs as given (AssociateTargetsWithJob adds to them). */
    public List<String> targets() {
        return Collections.unmodifiableList(targets);
    }

    /** The stored document text, placeholders unsubstituted. */
    public String documentText() {
        return documentText;
    }

    public String documentSource() {
        return documentSource;
    }

    public String jobTemplateArn() {
        return jobTemplateArn;
    }

    public Map<String, String> documentParameters() {
        return documentParameters;
    }

    public JobConfig.Scheduling scheduling() {
        return scheduling;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public String description() {
        return description;
    }

    public JobConfig.PresignedUrl presignedUrl() {
        return presignedUrl;
    }

    public JobConfig.Rollout rollout() {
        return rollout;
    }

    public JobConfig.Abort abort() {
        return abort;
    }

    public JobConfig.Timeout timeout() {
        return timeout;
    }

    public JobConfig.Retry retry() {
        return retry;
    }

    public JobStatus status() {
        return status;
    }

    public boolean forceCanceled() {
        return forceCanceled;
    }

    public String reasonCode() {
        return reasonCode;
    }

    public String comment() {
        return comment;
    }

    public Instant lastUpdatedAt() {
        return lastUpdatedAt;
    }

    /** Null until COMPLETED. */
    public Instant completedAt() {
        return completedAt;
    }

    /** The latest execution of each thing that has one, in the order the things were first queued. */
    public List<Execution> latestExecutions() {
        List<Execution> latest = new ArrayList<>(executions.size());
        for (List<Execution> list : executions.values()) {
            latest.add(list.get(list.size() - 1));
        }
        return latest;
    }

    boolean isContinuous() {
        return "CONTINUOUS".equals(targetSelection);
    }

    /** Whether the job still creates executions (not canceled, deleted, stopped). */
    public boolean isRollingOut() {
        return status == JobStatus.IN_PROGRESS && !pendingTargets.isEmpty();
    }

    public Execution latest(String thingName) {
        List<Execution> list = executions.get(thingName);
        return list == null || list.isEmpty() ? null : list.get(list.size() - 1);
    }

    void countMove(JobExecutionStatus from, JobExecutionStatus to) {
        if (from != null) {
            counts.merge(from, -1, Integer::sum);
        }
        if (to != null) {
            counts.merge(to, 1, Integer::sum);
        }
    }

    public int count(JobExecutionStatus status) {
        return counts.getOrDefault(status, 0);
    }

    int pendingCount() {
        return count(JobExecutionStatus.QUEUED) + count(JobExecutionStatus.IN_PROGRESS);
    }

    public Map<JobExecutionStatus, Integer> counts() {
        EnumMap<JobExecutionStatus, Integer> copy = new EnumMap<>(JobExecutionStatus.class);
        counts.forEach((s, n) -> {
            if (n != 0) {
                copy.put(s, n);
            }
        });
        return copy;
    }

    /** The {@code jobProcessDetails} counter name of a status, e.g. {@code numberOfSucceededThings}. */
    public static String counterName(JobExecutionStatus status) {
        return switch (status) {
            case QUEUED -> "numberOfQueuedThings";
            case IN_PROGRESS -> "numberOfInProgressThings";
            case SUCCEEDED -> "numberOfSucceededThings";
            case FAILED -> "numberOfFailedThings";
            case TIMED_OUT -> "numberOfTimedOutThings";
            case REJECTED -> "numberOfRejectedThings";
            case REMOVED -> "numberOfRemovedThings";
            case CANCELED -> "numberOfCanceledThings";
        };
    }

    /** Writes the counters of the given statuses into a {@code jobProcessDetails} object. */
    public void writeCounters(ObjectNode details, JobExecutionStatus... statuses) {
        for (JobExecutionStatus status : statuses) {
            details.put(counterName(status), count(status));
        }
    }

    public JobView view() {
        return new JobView(jobId, status, createdAt, completedAt, executions.size() + pendingTargets.size(), counts());
    }
}

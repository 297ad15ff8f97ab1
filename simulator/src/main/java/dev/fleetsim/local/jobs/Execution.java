package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.EpochSeconds;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionState;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobExecutionSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One execution of a job on a thing, identified by (thingName, jobId, executionNumber). Engine thread only. */
public final class Execution {
    final Job job;
    final String thingName;
    final long executionNumber;
    final int retryAttempt;
    /** Global queue order; ties of {@code queuedAt} seconds are broken by it. */
    final long sequence;

    JobExecutionStatus status = JobExecutionStatus.QUEUED;
    Map<String, String> statusDetails = Map.of();
    int versionNumber = 1;
    final Instant queuedAt;
    Instant startedAt;
    Instant lastUpdatedAt;
    boolean forceCanceled;
    /** Absolute deadlines of the in-progress timer and the step timer (§3.5); null when not running. */
    Instant inProgressDeadline;

    Instant stepDeadline;
    /** Bumped whenever a deadline changes, so stale entries of the timer queue can be recognised. */
    long timerGeneration;

    Execution(Job job, String thingName, long executionNumber, int retryAttempt, long sequence, Instant now) {
        this.job = job;
        this.thingName = thingName;
        this.executionNumber = executionNumber;
        this.retryAttempt = retryAttempt;
        this.sequence = sequence;
        this.queuedAt = now;
        this.lastUpdatedAt = now;
    }

    public String jobId() {
        return job.jobId;
    }

    public Job job() {
        return job;
    }

    public String thingName() {
        return thingName;
    }

    public long executionNumber() {
        return executionNumber;
    }

    public int retryAttempt() {
        return retryAttempt;
    }

    public JobExecutionStatus status() {
        return status;
    }

    /** The stored {@code statusDetails} (empty when none). */
    public Map<String, String> statusDetails() {
        return statusDetails;
    }

    public int versionNumber() {
        return versionNumber;
    }

    public Instant queuedAt() {
        return queuedAt;
    }

    /** Null until IN_PROGRESS. */
    public Instant startedAt() {
        return startedAt;
    }

    public Instant lastUpdatedAt() {
        return lastUpdatedAt;
    }

    public boolean forceCanceled() {
        return forceCanceled;
    }

    boolean isLatest() {
        return job.latest(thingName) == this;
    }

    /** Moves to a new status, keeps the job counters in step and bumps the version; legality is the caller's. */
    void moveTo(JobExecutionStatus target, Instant now) {
        job.changes.execution(this);
        if (target == JobExecutionStatus.IN_PROGRESS && startedAt == null) {
            startedAt = now;
        }
        if (target != status) {
            if (isLatest()) {
                job.countMove(status, target);
            }
            status = target;
        }
        if (status.isTerminal()) {
            inProgressDeadline = null;
            stepDeadline = null;
            timerGeneration++;
        }
        lastUpdatedAt = now;
        versionNumber++;
    }

    void replaceStatusDetails(Map<String, String> details) {
        if (details != null) {
            job.changes.execution(this);
            statusDetails = details.isEmpty() ? Map.of() : new LinkedHashMap<>(details);
        }
    }

    /** The earliest active deadline, or null. */
    Instant deadline() {
        if (inProgressDeadline == null) {
            return stepDeadline;
        }
        if (stepDeadline == null) {
            return inProgressDeadline;
        }
        return stepDeadline.isBefore(inProgressDeadline) ? stepDeadline : inProgressDeadline;
    }

    /** Seconds until the earliest deadline; omitted (null) in terminal states and when no timer runs. */
    public Long approximateSecondsBeforeTimedOut(Instant now) {
        Instant deadline = deadline();
        if (deadline == null || status.isTerminal()) {
            return null;
        }
        return Math.max(0, Duration.between(now, deadline).toSeconds());
    }

    public JobExecutionState state() {
        return new JobExecutionState(status, detailsOrNull(), versionNumber);
    }

    public JobExecutionSummary summary() {
        return new JobExecutionSummary(
                job.jobId,
                seconds(queuedAt),
                seconds(startedAt),
                seconds(lastUpdatedAt),
                versionNumber,
                executionNumber);
    }

    /** The device-plane shape (§2.7), with the job document (already substituted) when given. */
    JobExecution toDevice(JsonNode document, Instant now) {
        return new JobExecution(
                job.jobId,
                thingName,
                document,
                status,
                detailsOrNull(),
                seconds(queuedAt),
                seconds(startedAt),
                seconds(lastUpdatedAt),
                versionNumber,
                executionNumber,
                approximateSecondsBeforeTimedOut(now));
    }

    Map<String, String> detailsOrNull() {
        return statusDetails.isEmpty() ? null : statusDetails;
    }

    private static Long seconds(Instant instant) {
        return instant == null ? null : EpochSeconds.of(instant);
    }
}

package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.EpochSeconds;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionState;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobExecutionSummary;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One execution of a job on a thing, identified by (thingName, jobId, executionNumber). Engine thread only. */
final class Execution {
    final Job job;
    final String thingName;
    final long executionNumber;
    /** Global queue order; ties of {@code queuedAt} seconds are broken by it. */
    final long sequence;

    JobExecutionStatus status;
    Map<String, String> statusDetails = Map.of();
    int versionNumber = 1;
    final Instant queuedAt;
    Instant startedAt;
    Instant lastUpdatedAt;

    Execution(Job job, String thingName, long executionNumber, long sequence, Instant now) {
        this.job = job;
        this.thingName = thingName;
        this.executionNumber = executionNumber;
        this.sequence = sequence;
        this.queuedAt = now;
        this.lastUpdatedAt = now;
        this.status = JobExecutionStatus.QUEUED;
        job.countMove(null, JobExecutionStatus.QUEUED);
    }

    String jobId() {
        return job.jobId;
    }

    /** Moves to a new status and keeps the job counters in step; the caller has checked legality. */
    void moveTo(JobExecutionStatus target, Instant now) {
        if (target == JobExecutionStatus.IN_PROGRESS && startedAt == null) {
            startedAt = now;
        }
        if (target != status) {
            job.countMove(status, target);
            status = target;
        }
        lastUpdatedAt = now;
        versionNumber++;
    }

    void replaceStatusDetails(Map<String, String> details) {
        if (details != null) {
            statusDetails = details.isEmpty() ? Map.of() : new LinkedHashMap<>(details);
        }
    }

    JobExecutionState state() {
        return new JobExecutionState(status, detailsOrNull(), versionNumber);
    }

    JobExecutionSummary summary() {
        return new JobExecutionSummary(
                job.jobId,
                seconds(queuedAt),
                seconds(startedAt),
                seconds(lastUpdatedAt),
                versionNumber,
                executionNumber);
    }

    /** The device-plane shape (§2.7), with the job document as a JSON object when asked for. */
    JobExecution toDevice(boolean includeDocument) {
        return new JobExecution(
                job.jobId,
                thingName,
                includeDocument ? job.document : null,
                status,
                detailsOrNull(),
                seconds(queuedAt),
                seconds(startedAt),
                seconds(lastUpdatedAt),
                versionNumber,
                executionNumber,
                null);
    }

    private Map<String, String> detailsOrNull() {
        return statusDetails.isEmpty() ? null : statusDetails;
    }

    private static Long seconds(Instant instant) {
        return instant == null ? null : EpochSeconds.of(instant);
    }
}

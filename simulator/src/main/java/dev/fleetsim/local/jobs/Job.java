package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;

/** A job and its counters. Engine thread only. */
final class Job {
    final String jobId;
    final String description;
    final String documentText;
    final JsonNode document;
    final List<String> targets;
    final Instant createdAt;
    JobStatus status = JobStatus.IN_PROGRESS;
    Instant lastUpdatedAt;
    Instant completedAt;
    /** Latest execution of each thing, per status: the {@code jobProcessDetails} counters. */
    private final EnumMap<JobExecutionStatus, Integer> counts = new EnumMap<>(JobExecutionStatus.class);

    Job(String jobId, String description, String documentText, JsonNode document, List<String> targets, Instant now) {
        this.jobId = jobId;
        this.description = description;
        this.documentText = documentText;
        this.document = document;
        this.targets = targets;
        this.createdAt = now;
        this.lastUpdatedAt = now;
    }

    void countMove(JobExecutionStatus from, JobExecutionStatus to) {
        if (from != null) {
            counts.merge(from, -1, Integer::sum);
        }
        counts.merge(to, 1, Integer::sum);
    }

    int pendingCount() {
        return counts.getOrDefault(JobExecutionStatus.QUEUED, 0)
                + counts.getOrDefault(JobExecutionStatus.IN_PROGRESS, 0);
    }

    JobView view() {
        EnumMap<JobExecutionStatus, Integer> copy = new EnumMap<>(JobExecutionStatus.class);
        counts.forEach((s, n) -> {
            if (n != 0) {
                copy.put(s, n);
            }
        });
        return new JobView(jobId, status, createdAt, completedAt, targets.size(), copy);
    }
}

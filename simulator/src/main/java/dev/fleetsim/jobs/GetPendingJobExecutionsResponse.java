package dev.fleetsim.jobs;

import java.util.List;

/** Payload of {@code P/get/accepted} (§2.3): both arrays are always present, empty when nothing is pending. */
public record GetPendingJobExecutionsResponse(
        List<JobExecutionSummary> inProgressJobs,
        List<JobExecutionSummary> queuedJobs,
        long timestamp,
        String clientToken) {}

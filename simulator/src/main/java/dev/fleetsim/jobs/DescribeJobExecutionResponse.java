package dev.fleetsim.jobs;

/** Payload of {@code P/{jobId}/get/accepted} (§2.5); with {@code $next} and nothing pending, no {@code execution}. */
public record DescribeJobExecutionResponse(JobExecution execution, long timestamp, String clientToken) {}

package dev.fleetsim.jobs;

/** Payload of {@code P/start-next/accepted} (§2.4); {@code execution} is absent when nothing is pending. */
public record StartNextJobExecutionResponse(JobExecution execution, long timestamp, String clientToken) {}

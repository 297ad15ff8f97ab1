package dev.fleetsim.jobs;

import java.util.Map;

/** Payload of {@code P/start-next} (§2.4). Every field is optional. */
public record StartNextPendingJobExecutionRequest(
        Map<String, String> statusDetails, Long stepTimeoutInMinutes, String clientToken) {}

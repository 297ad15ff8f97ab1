package dev.fleetsim.jobs;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Payload of {@code P/{jobId}/update/accepted} (§2.6). Without the include flags it is just
 * {@code {"clientToken":…,"timestamp":…}}.
 */
public record UpdateJobExecutionResponse(
        JobExecutionState executionState, JsonNode jobDocument, long timestamp, String clientToken) {}

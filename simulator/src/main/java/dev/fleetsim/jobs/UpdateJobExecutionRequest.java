package dev.fleetsim.jobs;

import java.util.Map;

/**
 * Payload of {@code P/{jobId}/update} (§2.6). {@code status} is required on every update; {@code expectedVersion}
 * is optional and, on the wire, may be a number or a numeric string (the AWS embedded C library sends a string).
 */
public record UpdateJobExecutionRequest(
        JobExecutionStatus status,
        Map<String, String> statusDetails,
        Integer expectedVersion,
        Long executionNumber,
        Boolean includeJobExecutionState,
        Boolean includeJobDocument,
        Long stepTimeoutInMinutes,
        String clientToken) {}

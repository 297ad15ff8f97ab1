package dev.fleetsim.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A job execution as the device plane shows it over MQTT (spec §2.7): {@code jobDocument} is a JSON object, times
 * are epoch seconds, {@code statusDetails} is a flat map and is omitted when empty. {@code thingName} is documented
 * but absent in live captures, so readers must not rely on it.
 */
public record JobExecution(
        String jobId,
        String thingName,
        JsonNode jobDocument,
        JobExecutionStatus status,
        Map<String, String> statusDetails,
        Long queuedAt,
        Long startedAt,
        Long lastUpdatedAt,
        Integer versionNumber,
        Long executionNumber,
        Long approximateSecondsBeforeTimedOut) {

    /** The state part, as carried by {@code executionState} in updates and rejections. */
    public JobExecutionState state() {
        return new JobExecutionState(status, statusDetails, versionNumber);
    }
}

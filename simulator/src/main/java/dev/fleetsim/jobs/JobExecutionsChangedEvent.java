package dev.fleetsim.jobs;

import java.util.List;
import java.util.Map;

/**
 * Payload of {@code P/notify} (§2.9.1): pending executions keyed by status name, IN_PROGRESS before QUEUED, keys
 * present only when non-empty; {@code {"jobs":{}}} when nothing is pending.
 */
public record JobExecutionsChangedEvent(Map<JobExecutionStatus, List<JobExecutionSummary>> jobs, long timestamp) {}

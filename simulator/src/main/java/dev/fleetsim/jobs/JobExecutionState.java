package dev.fleetsim.jobs;

import java.util.Map;

/** {@code executionState} of update answers and of VersionMismatch / InvalidStateTransition rejections (§2.7). */
public record JobExecutionState(JobExecutionStatus status, Map<String, String> statusDetails, Integer versionNumber) {}

package dev.fleetsim.jobs;

/** Payload of {@code P/get} (§2.3). */
public record GetPendingJobExecutionsRequest(String clientToken) {}

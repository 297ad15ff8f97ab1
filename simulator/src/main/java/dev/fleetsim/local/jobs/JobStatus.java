package dev.fleetsim.local.jobs;

/** Status of a job (control-plane resource), spec §4.4. */
public enum JobStatus {
    SCHEDULED,
    IN_PROGRESS,
    COMPLETED,
    CANCELED,
    DELETION_IN_PROGRESS
}

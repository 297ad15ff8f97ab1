package dev.fleetsim.jobs;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Status of one job execution, with AWS's transition table (spec §3.1, §3.2).
 *
 * <pre>
 *                 device update                       device update
 *   (rollout) ──► QUEUED ─────────────────────► IN_PROGRESS ──┐ (progress: IN_PROGRESS → IN_PROGRESS)
 *                   │  │  device update            │  ▲───────┘
 *                   │  └──────────────┐            │ device update
 *                   │                 ▼            ▼
 *                   │        SUCCEEDED · FAILED · REJECTED          (terminal)
 *                   │                              │
 *                   │ cancel / force-cancel        │ timer (in-progress or step)
 *                   ▼                              ▼
 *               CANCELED ◄── force-cancel ──   TIMED_OUT             (terminal)
 *               REMOVED  ◄── thing left the targets (QUEUED or IN_PROGRESS)
 *
 *   FAILED, TIMED_OUT ──retry──► a new execution (executionNumber + 1) in QUEUED; REJECTED is never retried.
 * </pre>
 *
 * <p>Both sides use {@link #canTransition(JobExecutionStatus, Cause)}: the local service to decide between applying
 * a change and answering {@code InvalidStateTransition}, the device agent to drop work it can no longer report.
 */
public enum JobExecutionStatus {
    QUEUED(false),
    IN_PROGRESS(false),
    SUCCEEDED(true),
    FAILED(true),
    TIMED_OUT(true),
    REJECTED(true),
    REMOVED(true),
    CANCELED(true);

    /** Who or what asks for a transition; the table of §3.2 differs per cause. */
    public enum Cause {
        /** {@code UpdateJobExecution} or {@code StartNextPendingJobExecution} from the device. */
        DEVICE_UPDATE,
        /** In-progress or step timer expiry. */
        TIMEOUT,
        /** CancelJob / CancelJobExecution without force, abort, scheduling end behaviour CANCEL. */
        CANCEL,
        /** CancelJob / CancelJobExecution with {@code force=true}, end behaviour FORCE_CANCEL. */
        FORCE_CANCEL,
        /** The thing is no longer a target (left a continuous job's group, thing deleted). */
        REMOVAL
    }

    /** Every status name in declaration order, comma-separated: for "must be one of" messages. */
    public static String namesInOrder() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    private static final Set<JobExecutionStatus> DEVICE_SETTABLE = EnumSet.of(IN_PROGRESS, SUCCEEDED, FAILED, REJECTED);

    private final boolean terminal;

    JobExecutionStatus(boolean terminal) {
        this.terminal = terminal;
    }

    /** Terminal statuses end an execution: no device update is accepted after them (§3.1). */
    public boolean isTerminal() {
        return terminal;
    }

    /** {@code QUEUED} or {@code IN_PROGRESS}. */
    public boolean isPending() {
        return !terminal;
    }

    /** The statuses a device may put in an {@code UpdateJobExecution} request (§2.6). */
    public boolean isDeviceSettable() {
        return DEVICE_SETTABLE.contains(this);
    }

    /** FAILED and TIMED_OUT may be retried through {@code jobExecutionsRetryConfig}; nothing else (§3.6). */
    public boolean isRetryable() {
        return this == FAILED || this == TIMED_OUT;
    }

    /**
     * Whether this status may move to {@code target} for the given cause, per the transition table of §3.2.
     *
     * @return true when the transition is legal; a terminal status never moves
     */
    public boolean canTransition(JobExecutionStatus target, Cause cause) {
        if (terminal) {
            return false;
        }
        return switch (cause) {
            case DEVICE_UPDATE -> target.isDeviceSettable();
            case TIMEOUT -> this == IN_PROGRESS && target == TIMED_OUT;
            case CANCEL -> this == QUEUED && target == CANCELED;
            case FORCE_CANCEL -> target == CANCELED;
            case REMOVAL -> target == REMOVED;
        };
    }
}

package dev.fleetsim.jobs;

import static dev.fleetsim.jobs.JobExecutionStatus.CANCELED;
import static dev.fleetsim.jobs.JobExecutionStatus.FAILED;
import static dev.fleetsim.jobs.JobExecutionStatus.IN_PROGRESS;
import static dev.fleetsim.jobs.JobExecutionStatus.QUEUED;
import static dev.fleetsim.jobs.JobExecutionStatus.REJECTED;
import static dev.fleetsim.jobs.JobExecutionStatus.REMOVED;
import static dev.fleetsim.jobs.JobExecutionStatus.SUCCEEDED;
import static dev.fleetsim.jobs.JobExecutionStatus.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.jobs.JobExecutionStatus.Cause;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The transition table of spec §3.2, row by row. */
class JobExecutionStatusTest {

    @ParameterizedTest(name = "{0} -> {1} by {2}: {3}")
    @CsvSource({
        // device updates
        "QUEUED,      IN_PROGRESS, DEVICE_UPDATE, true",
        "QUEUED,      SUCCEEDED,   DEVICE_UPDATE, true",
        "QUEUED,      FAILED,      DEVICE_UPDATE, true",
        "QUEUED,      REJECTED,    DEVICE_UPDATE, true",
        "IN_PROGRESS, IN_PROGRESS, DEVICE_UPDATE, true",
        "IN_PROGRESS, SUCCEEDED,   DEVICE_UPDATE, true",
        "IN_PROGRESS, FAILED,      DEVICE_UPDATE, true",
        "IN_PROGRESS, REJECTED,    DEVICE_UPDATE, true",
        "QUEUED,      QUEUED,      DEVICE_UPDATE, false",
        "QUEUED,      CANCELED,    DEVICE_UPDATE, false",
        "IN_PROGRESS, TIMED_OUT,   DEVICE_UPDATE, false",
        "IN_PROGRESS, REMOVED,     DEVICE_UPDATE, false",
        "SUCCEEDED,   IN_PROGRESS, DEVICE_UPDATE, false",
        "FAILED,      SUCCEEDED,   DEVICE_UPDATE, false",
        "REJECTED,    IN_PROGRESS, DEVICE_UPDATE, false",
        // timers
        "IN_PROGRESS, TIMED_OUT,   TIMEOUT,       true",
        "QUEUED,      TIMED_OUT,   TIMEOUT,       false",
        // cancellation
        "QUEUED,      CANCELED,    CANCEL,        true",
        "IN_PROGRESS, CANCELED,    CANCEL,        false",
        "IN_PROGRESS, CANCELED,    FORCE_CANCEL,  true",
        "QUEUED,      CANCELED,    FORCE_CANCEL,  true",
        "SUCCEEDED,   CANCELED,    FORCE_CANCEL,  false",
        "TIMED_OUT,   CANCELED,    CANCEL,        false",
        // removal from the targets
        "QUEUED,      REMOVED,     REMOVAL,       true",
        "IN_PROGRESS, REMOVED,     REMOVAL,       true",
        "FAILED,      REMOVED,     REMOVAL,       false",
    })
    void followsTheTransitionTable(JobExecutionStatus from, JobExecutionStatus to, Cause cause, boolean legal) {
        assertThat(from.canTransition(to, cause)).isEqualTo(legal);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobExecutionStatus.class,
            names = {"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})
    void terminalStatusesNeverMove(JobExecutionStatus terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        for (JobExecutionStatus target : JobExecutionStatus.values()) {
            for (Cause cause : Cause.values()) {
                assertThat(terminal.canTransition(target, cause)).isFalse();
            }
        }
    }

    @Test
    void statusTableOfSection31() {
        Set<JobExecutionStatus> deviceSettable = EnumSet.noneOf(JobExecutionStatus.class);
        Set<JobExecutionStatus> retryable = EnumSet.noneOf(JobExecutionStatus.class);
        for (JobExecutionStatus s : JobExecutionStatus.values()) {
            if (s.isDeviceSettable()) {
                deviceSettable.add(s);
            }
            if (s.isRetryable()) {
                retryable.add(s);
            }
        }
        assertThat(deviceSettable).containsExactlyInAnyOrder(IN_PROGRESS, SUCCEEDED, FAILED, REJECTED);
        assertThat(retryable).containsExactlyInAnyOrder(FAILED, TIMED_OUT);
        assertThat(QUEUED.isPending()).isTrue();
        assertThat(IN_PROGRESS.isPending()).isTrue();
        assertThat(REMOVED.isPending()).isFalse();
        assertThat(CANCELED.isTerminal()).isTrue();
    }
}

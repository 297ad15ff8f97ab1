package dev.fleetsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.metrics.Phase;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The report and Prometheus read the same observer: their figures agree. */
class RunObserverTest {
    @Test
    void prometheusAndTheReportCountTheSameEvents() {
        RunObserver o = new RunObserver(Clock.systemUTC());
        long t = 1_000_000_000L;
        o.jobStarting("j", t);
        // Known series exist at 0 before the first event, so rate() sees the first increments.
        assertThat(o.registry().scrape())
                .contains("fleetsim_jobs_received_total{job_id=\"j\"} 0.0")
                .contains("fleetsim_executions_reported_total{job_id=\"j\",status=\"SUCCEEDED\"} 0.0")
                .contains("fleetsim_requests_total{operation=\"START_NEXT\",result=\"accepted\"} 0.0")
                .contains("fleetsim_phase_seconds_count{phase=\"install\"} 0");
        for (int i = 0; i < 3; i++) {
            String thing = "d" + i;
            o.connectStart(thing, t);
            o.connectEnd(thing, t + TimeUnit.MILLISECONDS.toNanos(20));
            o.jobReceived(thing, "j", 1, t + TimeUnit.MILLISECONDS.toNanos(100));
            o.jobReceived(thing, "j", 1, t + TimeUnit.MILLISECONDS.toNanos(150)); // again after a reconnect
            o.requestAccepted(thing, JobsTopic.Operation.UPDATE, t);
            o.statusReported(thing, "j", JobExecutionStatus.IN_PROGRESS, t + TimeUnit.MILLISECONDS.toNanos(130));
            o.downloadStart(thing, "j", "http://h/f", t + TimeUnit.MILLISECONDS.toNanos(130));
            o.downloadEnd(thing, "j", 1000, t + TimeUnit.MILLISECONDS.toNanos(330));
            o.statusReported(thing, "j", JobExecutionStatus.SUCCEEDED, t + TimeUnit.SECONDS.toNanos(1));
        }
        o.requestRejected("d0", JobsTopic.Operation.UPDATE, RejectedErrorCode.VersionMismatch, t);
        o.disconnected("d0", t);
        o.drain();

        String scrape = o.registry().scrape();
        assertThat(scrape)
                .contains("fleetsim_connects_total " + (double) o.counts().connects())
                .contains("fleetsim_devices_connected " + (double) o.counts().connected())
                .contains("fleetsim_download_bytes_total " + (double) o.counts().downloadedBytes())
                .contains("fleetsim_executions_reported_total{job_id=\"j\",status=\"SUCCEEDED\"} 3.0")
                .contains("fleetsim_requests_total{operation=\"UPDATE\",result=\"VersionMismatch\"} 1.0")
                .contains("fleetsim_phase_seconds_count{phase=\"end-to-end\"} "
                        + o.total(Phase.END_TO_END).getTotalCount())
                .contains("fleetsim_phase_seconds_count{phase=\"download\"} 3");
        assertThat(o.counts().connects()).isEqualTo(3);
        assertThat(o.counts().connected()).isEqualTo(2);
        assertThat(o.counts().requests()).isEqualTo(4);
        assertThat(o.counts().received()).isEqualTo(6); // every take-up, as the meter counts
        assertThat(o.counts().reported(JobExecutionStatus.SUCCEEDED)).isEqualTo(3);
        assertThat(o.receivedTimes("j")).hasSize(3); // first notifications only
        // End to end from the job's intended start: 1 s each.
        assertThat(o.total(Phase.END_TO_END).getValueAtPercentile(50)).isBetween(999_000L, 1_001_000L);
        assertThat(o.total(Phase.CONNECT).getMaxValue()).isBetween(19_900L, 20_100L);
    }

    @Test
    void jobPhasesAreRecordedInSimulatedTimeAndConnectInRealTime() {
        RunObserver o = new RunObserver(Clock.systemUTC(), 60);
        long t = 5_000_000_000L;
        o.jobStarting("j", t);
        o.connectStart("d", t);
        o.connectEnd("d", t + TimeUnit.MILLISECONDS.toNanos(20));
        o.jobReceived("d", "j", 1, t);
        o.phaseStart("d", "j", "install", t);
        o.phaseEnd("d", "j", "install", t + TimeUnit.SECONDS.toNanos(2)); // install: 2m at 60x
        o.drain();

        assertThat(o.total(Phase.INSTALL).getMaxValue()).isBetween(119_900_000L, 120_100_000L);
        assertThat(o.total(Phase.CONNECT).getMaxValue()).isBetween(19_900L, 20_100L);
        assertThat(o.registry().scrape())
                .contains("fleetsim_phase_seconds_max{phase=\"install\"} 120.0")
                .contains("fleetsim_phase_seconds_max{phase=\"connect\"} 0.02");
    }

    @Test
    void aForgottenJobLetsGoOfItsSeriesAndDetailButNotTheTotals() {
        RunObserver o = new RunObserver(Clock.systemUTC());
        o.jobStarting("old", 0);
        o.jobReceived("d", "old", 1, 10);
        o.statusReported("d", "old", JobExecutionStatus.SUCCEEDED, 20);

        o.forget("old");

        assertThat(o.registry().scrape()).doesNotContain("job_id=\"old\"");
        assertThat(o.receivedTimes("old")).isEmpty();
        assertThat(o.terminals("old")).isEmpty();
        assertThat(o.counts().reported(JobExecutionStatus.SUCCEEDED)).isEqualTo(1);
    }
}

package dev.fleetsim.local.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finished jobs are kept by count and by age ({@link Retention}), then removed with their executions as DeleteJob
 * would; running jobs and jobs with executions still pending are never removed; the removal survives a restart.
 */
class RetentionTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path dir;

    private static String thing(String name) {
        return "{\"targets\":" + EngineHarness.targets(name) + ",\"document\":\"{}\"}";
    }

    /** Creates job {@code id} for {@code thing} and has the device finish it. */
    private static void finishedJob(EngineHarness h, String id, String thing) {
        h.ok("PUT", "/jobs/" + id, thing(thing));
        h.tick();
        h.device(thing, id + "/update", "{\"status\":\"SUCCEEDED\"}");
        h.advance(Duration.ofSeconds(1));
        assertThat(h.job(id).path("status").asText()).isEqualTo("COMPLETED");
    }

    private static boolean exists(EngineHarness h, String jobId) {
        return h.call("GET", "/jobs/" + jobId, null).errorType() == null;
    }

    @Test
    void onlyTheLatestFinishedJobsAreKeptAndRunningOnesStay() {
        EngineHarness h = new EngineHarness(
                new ManualClock(T0), RateIncrease.NEXT_MINUTE, null, new Retention(3, Duration.ofDays(90)));
        h.things("a", "b");
        h.ok("PUT", "/jobs/running", thing("b")); // b never answers: this job stays IN_PROGRESS
        for (int i = 1; i <= 5; i++) {
            finishedJob(h, "done-" + i, "a");
        }
        assertThat(exists(h, "done-1")).isFalse();
        assertThat(exists(h, "done-2")).isFalse();
        assertThat(exists(h, "done-3")).isTrue();
        assertThat(exists(h, "done-5")).isTrue();
        assertThat(exists(h, "running")).isTrue();
        // The executions went with their job: the thing's history holds the kept ones only.
        assertThat(h.call("GET", "/things/a/jobs/done-1", null).errorType()).isEqualTo("ResourceNotFoundException");
        assertThat(h.ok("GET", "/things/a/jobs", null)
                        .path("executionSummaries")
                        .size())
                .isEqualTo(3);
    }

    @Test
    void finishedJobsGoAfterTheirAgeOnTheStacksClock() {
        ManualClock clock = new ManualClock(T0);
        EngineHarness h =
                new EngineHarness(clock, RateIncrease.NEXT_MINUTE, null, new Retention(1_000, Duration.ofHours(2)));
        h.things("a");
        finishedJob(h, "old", "a");
        h.advance(Duration.ofMinutes(90));
        finishedJob(h, "young", "a");
        h.advance(Duration.ofMinutes(29));
        assertThat(exists(h, "old")).isTrue();
        h.advance(Duration.ofMinutes(2)); // "old" finished 2 h 1 min ago
        assertThat(exists(h, "old")).isFalse();
        assertThat(exists(h, "young")).isTrue();
    }

    @Test
    void aJobCanceledWithAnExecutionStillInProgressStaysUntilItEnds() {
        EngineHarness h = new EngineHarness(
                new ManualClock(T0), RateIncrease.NEXT_MINUTE, null, new Retention(1, Duration.ofMinutes(1)));
        h.things("a", "b");
        h.ok("PUT", "/jobs/busy", thing("b"));
        h.tick();
        h.device("b", "busy/update", "{\"status\":\"IN_PROGRESS\"}");
        h.ok("PUT", "/jobs/busy/cancel", "{}"); // without force: b's execution goes on
        finishedJob(h, "other", "a");
        h.advance(Duration.ofHours(1));
        assertThat(exists(h, "busy")).isTrue();
        h.device("b", "busy/update", "{\"status\":\"SUCCEEDED\"}");
        h.advance(Duration.ofHours(1));
        assertThat(exists(h, "busy")).isFalse();
    }

    @Test
    void aRemovalSurvivesARestart() throws Exception {
        ManualClock clock = new ManualClock(T0);
        Retention keepTwo = new Retention(2, Duration.ofDays(90));
        try (EngineHarness h = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, dir, keepTwo)) {
            h.things("a");
            for (int i = 1; i <= 4; i++) {
                finishedJob(h, "j" + i, "a");
            }
        }
        try (EngineHarness h = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, dir, keepTwo)) {
            assertThat(exists(h, "j2")).isFalse();
            assertThat(exists(h, "j3")).isTrue();
            assertThat(exists(h, "j4")).isTrue();
        }
    }
}

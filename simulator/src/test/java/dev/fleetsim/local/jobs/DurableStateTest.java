package dev.fleetsim.local.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.jobs.config.RateIncrease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jobs service's state survives a crash at any point after an answer: a service recovered from the journal holds
 * the same state as the one that wrote it (every record compared), and the two then behave the same under the same
 * requests and the same clock (rollout minutes, timers, retries). A torn last batch, a batch without its commit line
 * and a compaction's snapshot all recover to the last answered state.
 */
class DurableStateTest {
    private static final Instant T0 = Instant.parse("2026-11-28T12:00:00Z");

    @TempDir
    Path dir;

    /** Requests of every family: registry, templates, events, rollouts, device updates, timers, retries, deletions. */
    private static void workload(EngineHarness h) {
        String[] t = new String[20];
        for (int i = 0; i < t.length; i++) {
            t[i] = "t" + i;
            h.ok("POST", "/things/" + t[i], "{\"attributePayload\":{\"attributes\":{\"rack\":\"r" + (i % 3) + "\"}}}");
        }
        h.ok("PATCH", "/things/t1", "{\"attributePayload\":{\"attributes\":{\"rack\":\"moved\"},\"merge\":true}}");
        h.ok("POST", "/thing-groups/fleet", "{}");
        h.ok("POST", "/thing-groups/canary", "{\"parentGroupName\":\"fleet\"}");
        for (int i = 0; i < 5; i++) {
            h.ok(
                    "PUT",
                    "/thing-groups/addThingToThingGroup",
                    "{\"thingGroupName\":\"fleet\",\"thingName\":\"t" + i + "\"}");
        }
        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"canary\",\"thingName\":\"t5\"}");
        String fleetArn = h.service.engine().arns().group("fleet");
        h.ok("POST", "/tags", "{\"resourceArn\":\"" + fleetArn + "\",\"tags\":[{\"Key\":\"team\",\"Value\":\"ota\"}]}");
        h.ok("PATCH", "/event-configurations", "{\"eventConfigurations\":{\"JOB\":{\"Enabled\":false}}}");
        h.ok(
                "PUT",
                "/job-templates/tmpl",
                "{\"description\":\"d\",\"document\":\"{\\\"op\\\":\\\"x\\\"}\","
                        + "\"timeoutConfig\":{\"inProgressTimeoutInMinutes\":30}}");
        h.ok(
                "PUT",
                "/jobs/roll",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{\\\"op\\\":\\\"install\\\"}\","
                        + "\"timeoutConfig\":{\"inProgressTimeoutInMinutes\":10},"
                        + "\"jobExecutionsRetryConfig\":{\"criteriaList\":[{\"failureType\":\"FAILED\","
                        + "\"numberOfRetries\":1}]},"
                        + "\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":8,\"exponentialRate\":"
                        + "{\"baseRatePerMinute\":2,\"incrementFactor\":2.0,"
                        + "\"rateIncreaseCriteria\":{\"numberOfNotifiedThings\":2}}}}");
        h.ok(
                "PUT",
                "/jobs/cont",
                "{\"targets\":[\"arn:aws:iot:us-east-1:123456789012:thinggroup/fleet\"],"
                        + "\"targetSelection\":\"CONTINUOUS\",\"document\":\"{}\"}");
        h.ok("PUT", "/jobs/gone", "{\"targets\":" + EngineHarness.targets("t7") + ",\"document\":\"{}\"}");
        h.ok("PUT", "/jobs/stop", "{\"targets\":" + EngineHarness.targets("t8", "t9") + ",\"document\":\"{}\"}");
        h.advance(Duration.ofMinutes(1));
        h.device(
                "t0",
                "roll/update",
                "{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"step\":\"download\"},"
                        + "\"stepTimeoutInMinutes\":3}");
        h.device("t1", "roll/update", "{\"status\":\"SUCCEEDED\",\"statusDetails\":{\"firmware\":\"2.0\"}}");
        h.device("t2", "roll/update", "{\"status\":\"FAILED\",\"statusDetails\":{\"reason\":\"disk full\"}}");
        h.device("t3", "start-next", "{\"statusDetails\":{\"step\":\"begin\"}}");
        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"canary\",\"thingName\":\"t6\"}");
        h.ok("PUT", "/jobs/stop/cancel", "{\"comment\":\"enough\"}");
        h.ok("PUT", "/jobs/gone/cancel", "{}");
        h.ok("DELETE", "/jobs/gone", null);
        h.ok("DELETE", "/things/t19", null);
        h.advance(Duration.ofMinutes(1));
        h.advance(Duration.ofSeconds(30));
        // Last changes of their records, so no later change of the same record can hide a lost one.
        h.ok("PATCH", "/things/t15", "{\"thingTypeName\":\"sensor\"}");
        h.ok("POST", "/thing-groups/late", "{}");
    }

    /** The same requests after recovery, for both services. */
    private static void continuation(EngineHarness h) {
        h.device("t4", "roll/update", "{\"status\":\"IN_PROGRESS\"}");
        h.device("t2", "roll/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":1}");
        h.tick();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    @Test
    void aServiceRecoveredAfterACrashHoldsTheSameStateAndBehavesTheSame() throws Exception {
        ManualClock clock = new ManualClock(T0);
        Path journal = dir.resolve("jobs");
        try (EngineHarness original = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, journal)) {
            workload(original);
            List<String> before = original.dump();
            // kill -9 now: what is on disk is a copy of the folder as it is (no snapshot at stop).
            Path crashed = dir.resolve("crashed");
            copy(journal, crashed);
            try (EngineHarness recovered = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, crashed)) {
                assertThat(recovered.dump()).containsExactlyElementsOf(before);
                assertThat(before).anyMatch(line -> line.contains("\"team\"")); // tags are part of what is kept
                assertThat(recovered.service.recovery().executions()).isPositive();
                assertThat(recovered.service.recovery().journalBatches()).isPositive();

                // The same clock and requests from here: rollout minutes, step timer, retries, the continuous job.
                for (int minute = 0; minute < 4; minute++) {
                    clock.advance(Duration.ofMinutes(1));
                    original.tick();
                    recovered.tick();
                    continuation(original);
                    continuation(recovered);
                }
                assertThat(recovered.dump()).containsExactlyElementsOf(original.dump());
                assertThat(recovered.execution("t0", "roll").get("status").asText())
                        .isEqualTo("TIMED_OUT");
                assertThat(recovered.notifiedPerMinute("roll")).isEqualTo(original.notifiedPerMinute("roll"));
            }
        }
    }

    @Test
    void aCleanStopLeavesASnapshotThatRecoversAlone() throws Exception {
        ManualClock clock = new ManualClock(T0);
        Path journal = dir.resolve("jobs");
        List<String> before;
        try (EngineHarness h = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, journal)) {
            workload(h);
            before = h.dump();
        }
        assertThat(Files.size(journal.resolve(Journal.LOG))).isZero();
        assertThat(journal.resolve(Journal.SNAPSHOT)).exists();
        try (EngineHarness h = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, journal)) {
            assertThat(h.dump()).containsExactlyElementsOf(before);
            assertThat(h.service.recovery().journalBatches()).isZero();
        }
    }

    @Test
    void aTornLastBatchAndABatchWithoutItsCommitLineAreLostWholeAndCutOff() throws Exception {
        ManualClock clock = new ManualClock(T0);
        Path journal = dir.resolve("jobs");
        try (EngineHarness h = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, journal)) {
            workload(h);
            List<String> before = h.dump();
            Path crashed = dir.resolve("crashed");
            copy(journal, crashed);
            long good = Files.size(crashed.resolve(Journal.LOG));
            // A batch whose commit line never made it (records of a thing that was never answered), then a torn line.
            Files.writeString(
                    crashed.resolve(Journal.LOG),
                    "R THING ghost {\"name\":\"ghost\",\"arn\":\"a\",\"id\":\"i\",\"version\":1}\n"
                            + "D THING t0\nC 99999 2026-11-28T12:05:00Z 7 deadbeef\nR THING half {\"na",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            try (EngineHarness recovered = new EngineHarness(clock, RateIncrease.NEXT_MINUTE, crashed)) {
                assertThat(recovered.dump()).containsExactlyElementsOf(before);
                assertThat(Files.size(crashed.resolve(Journal.LOG))).isEqualTo(good);
            }
        }
    }

    @Test
    void withoutAJournalNothingIsWritten() throws Exception {
        try (EngineHarness h = new EngineHarness(T0)) {
            workload(h);
            assertThat(h.service.recovery()).isNull();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}

package dev.fleetsim.local.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.config.AbortMath;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.RetryMath;
import dev.fleetsim.jobs.config.RolloutMath;
import dev.fleetsim.local.controlplane.ApiResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rollout, abort, timer, retry, scheduling and lifecycle arithmetic of the job engine on a manual clock, each against
 * a worked example of the spec (§3.5, §3.6, §4.5, §5.1–5.5, §13.6).
 */
class JobEngineTest {
    private static final Instant T0 = Instant.parse("2026-11-28T12:00:00Z");
    private final EngineHarness h = new EngineHarness(T0);

    @AfterEach
    void close() {
        h.close();
    }

    private String[] things(int n) {
        String[] names = IntStream.range(0, n).mapToObj(i -> "t" + i).toArray(String[]::new);
        h.things(names);
        return names;
    }

    private int queued(String jobId) {
        return h.job(jobId).get("jobProcessDetails").get("numberOfQueuedThings").intValue();
    }

    // ------------------------------------------------------------------ rollout (§5.1, §5.2)

    @Test
    void constantRateQueuesAtMostMaximumPerMinute() {
        String[] t = things(10);
        h.ok(
                "PUT",
                "/jobs/c",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\","
                        + "\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":3}}");
        assertThat(queued("c")).isEqualTo(3);
        assertThat(h.job("c").get("isConcurrent").booleanValue()).isTrue();
        assertThat(h.job("c").get("jobProcessDetails").has("processingTargets")).isTrue();

        h.advance(Duration.ofSeconds(30));
        assertThat(queued("c")).as("still the first minute").isEqualTo(3);
        h.advance(Duration.ofSeconds(30));
        assertThat(queued("c")).isEqualTo(6);
        h.advance(Duration.ofMinutes(1));
        h.advance(Duration.ofMinutes(1));

        assertThat(queued("c")).isEqualTo(10);
        assertThat(h.notifiedPerMinute("c")).containsExactly(3, 3, 3, 1);
        assertThat(h.job("c").get("isConcurrent").booleanValue()).isFalse();
        assertThat(h.job("c").get("jobProcessDetails").has("processingTargets")).isFalse();
    }

    @Test
    void defaultRateIsAThousandPerMinute() {
        String[] t = things(5);
        h.ok("PUT", "/jobs/d", "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\"}");
        assertThat(queued("d")).isEqualTo(5);
        assertThat(RolloutMath.ratePerMinute(null, 0, 0)).isEqualTo(1000);
    }

    @Test
    void exponentialRateRisesOnlyAtTheMinuteAfterEachNotifiedThreshold() {
        String[] t = things(10);
        // §13.6 item 10: b=1, f=2, N=2, capped by M=4. By hand, the rate of each minute from what was notified
        // before it: 0 → 1, 1 → 1, 2 → 2, 4 → 4, 8 → min(4, 16) = 4 with 2 left.
        h.ok(
                "PUT",
                "/jobs/e",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\",\"jobExecutionsRolloutConfig\":"
                        + "{\"maximumPerMinute\":4,\"exponentialRate\":{\"baseRatePerMinute\":1,\"incrementFactor\":2.0,"
                        + "\"rateIncreaseCriteria\":{\"numberOfNotifiedThings\":2}}}}");
        for (int minute = 1; minute <= 4; minute++) {
            h.advance(Duration.ofMinutes(1));
        }
        assertThat(h.notifiedPerMinute("e")).containsExactly(1, 1, 2, 4, 2);
    }

    @Test
    void withImmediateIncreasesTheRateRisesWithinTheMinuteAThresholdIsCrossed() {
        try (EngineHarness immediate = new EngineHarness(T0, RateIncrease.IMMEDIATE)) {
            String[] names = new String[10];
            for (int i = 0; i < names.length; i++) {
                names[i] = "t" + i;
            }
            immediate.things(names);
            // b=1, f=2, N=2, M=4, the rate taken again after each notified thing. By hand: minute 0 notifies 1
            // (rate 1); minute 1 notifies the 2nd at rate 1, then rate 2 allows a 3rd; minute 2 starts at 3 notified
            // (rate 2), the 4th lifts it to 4: 4 this minute; minute 3 notifies the last 3.
            immediate.ok(
                    "PUT",
                    "/jobs/e",
                    "{\"targets\":" + EngineHarness.targets(names)
                            + ",\"document\":\"{}\",\"jobExecutionsRolloutConfig\":"
                            + "{\"maximumPerMinute\":4,\"exponentialRate\":{\"baseRatePerMinute\":1,"
                            + "\"incrementFactor\":2.0,\"rateIncreaseCriteria\":{\"numberOfNotifiedThings\":2}}}}");
            for (int minute = 1; minute <= 4; minute++) {
                immediate.advance(Duration.ofMinutes(1));
            }
            assertThat(immediate.notifiedPerMinute("e")).containsExactly(1, 2, 4, 3);
        }
    }

    @Test
    void exponentialRateFollowsTheDocTable() {
        JobConfig.Rollout doc = new JobConfig.Rollout(
                1000, new JobConfig.ExponentialRate(50, 2.0, new JobConfig.RateIncreaseCriteria(1000, 1000)));
        // §5.2 table: 50, 100, 200, 400 after 1000, 2000, 3000 notified or succeeded.
        assertThat(RolloutMath.ratePerMinute(doc, 999, 0)).isEqualTo(50);
        assertThat(RolloutMath.ratePerMinute(doc, 1000, 0)).isEqualTo(100);
        assertThat(RolloutMath.ratePerMinute(doc, 1500, 2000)).isEqualTo(200);
        assertThat(RolloutMath.ratePerMinute(doc, 3000, 0)).isEqualTo(400);
        assertThat(RolloutMath.ratePerMinute(doc, 100_000, 0))
                .as("capped by maximumPerMinute")
                .isEqualTo(1000);
        JobConfig.Rollout fractional = new JobConfig.Rollout(
                null, new JobConfig.ExponentialRate(3, 1.5, new JobConfig.RateIncreaseCriteria(1, null)));
        assertThat(RolloutMath.ratePerMinute(fractional, 1, 0)).as("floor(4.5)").isEqualTo(4);
    }

    @Test
    void exponentialRateCanRiseOnSucceededThingsFromTheNextMinute() {
        String[] t = things(8);
        h.ok(
                "PUT",
                "/jobs/s",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\",\"jobExecutionsRolloutConfig\":"
                        + "{\"exponentialRate\":{\"baseRatePerMinute\":2,\"incrementFactor\":2.0,"
                        + "\"rateIncreaseCriteria\":{\"numberOfSucceededThings\":2}}}}");
        assertThat(queued("s")).isEqualTo(2);
        h.device("t0", "s/update", "{\"status\":\"SUCCEEDED\"}");
        h.device("t1", "s/update", "{\"status\":\"SUCCEEDED\"}");
        h.advance(Duration.ofSeconds(1));

        assertThat(queued("s")).as("the first minute keeps its rate of 2").isZero();
        h.advance(Duration.ofMinutes(1));
        assertThat(queued("s")).as("2 succeeded before minute 1: rate 2·2").isEqualTo(4);
        assertThat(h.notifiedPerMinute("s")).containsExactly(2, 4);
    }

    // ------------------------------------------------------------------ abort (§5.4, §13.6 item 9)

    @Test
    void abortTripsAtTheFirstCompletedCountThatCrossesTheThreshold() {
        String[] t = things(10);
        h.ok(
                "PUT",
                "/jobs/a",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\",\"abortConfig\":{\"criteriaList\":"
                        + "[{\"failureType\":\"FAILED\",\"action\":\"CANCEL\",\"thresholdPercentage\":40,"
                        + "\"minNumberOfExecutedThings\":5}]}}");
        h.device("t0", "a/update", "{\"status\":\"FAILED\"}");
        h.device("t1", "a/update", "{\"status\":\"FAILED\"}");
        h.device("t2", "a/update", "{\"status\":\"SUCCEEDED\"}");
        h.device("t3", "a/update", "{\"status\":\"SUCCEEDED\"}");
        h.device("t9", "a/update", "{\"status\":\"IN_PROGRESS\"}");
        assertThat(h.job("a").get("status").textValue())
                .as("4 completed < minimum 5")
                .isEqualTo("IN_PROGRESS");

        h.device("t4", "a/update", "{\"status\":\"SUCCEEDED\"}");

        JsonNode job = h.job("a");
        assertThat(job.get("status").textValue()).isEqualTo("CANCELED");
        assertThat(job.get("reasonCode").textValue()).isNotBlank();
        JsonNode details = job.get("jobProcessDetails");
        assertThat(details.get("numberOfFailedThings").intValue()).isEqualTo(2);
        assertThat(details.get("numberOfSucceededThings").intValue()).isEqualTo(3);
        assertThat(details.get("numberOfCanceledThings").intValue())
                .as("t5..t8 were QUEUED")
                .isEqualTo(4);
        assertThat(details.get("numberOfInProgressThings").intValue())
                .as("IN_PROGRESS keeps running")
                .isEqualTo(1);
        assertThat(h.execution("t9", "a").get("status").textValue()).isEqualTo("IN_PROGRESS");
        h.device("t9", "a/update", "{\"status\":\"SUCCEEDED\"}");
        assertThat(h.execution("t9", "a").get("status").textValue()).isEqualTo("SUCCEEDED");
    }

    @Test
    void abortArithmetic() {
        JobConfig.Abort all = new JobConfig.Abort(List.of(new JobConfig.AbortCriteria("ALL", "CANCEL", 50.0, 2)));
        var counts = new java.util.EnumMap<dev.fleetsim.jobs.JobExecutionStatus, Integer>(
                dev.fleetsim.jobs.JobExecutionStatus.class);
        counts.put(dev.fleetsim.jobs.JobExecutionStatus.REJECTED, 1);
        assertThat(AbortMath.tripped(all, counts)).as("1 completed < 2").isNull();
        counts.put(dev.fleetsim.jobs.JobExecutionStatus.SUCCEEDED, 1);
        counts.put(dev.fleetsim.jobs.JobExecutionStatus.QUEUED, 50);
        assertThat(AbortMath.tripped(all, counts)).as("1 of 2 completed = 50%").isNotNull();
        counts.put(dev.fleetsim.jobs.JobExecutionStatus.SUCCEEDED, 2);
        assertThat(AbortMath.tripped(all, counts)).as("1 of 3 = 33%").isNull();
    }

    // ------------------------------------------------------------------ timers (§3.5)

    @Test
    void stepTimersFollowTheWorkedExample() {
        things(1);
        h.ok(
                "PUT",
                "/jobs/tm",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\","
                        + "\"timeoutConfig\":{\"inProgressTimeoutInMinutes\":20}}");
        h.device("t0", "start-next", "{}"); // 12:00 → in-progress deadline 12:20
        assertThat(remaining()).isEqualTo(20 * 60);

        h.clock.set(T0.plus(Duration.ofMinutes(5)));
        h.device("t0", "tm/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":7}"); // → 12:12
        assertThat(remaining()).isEqualTo(7 * 60);
        h.clock.set(T0.plus(Duration.ofMinutes(10)));
        h.device("t0", "tm/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":5}"); // → 12:15
        assertThat(remaining()).isEqualTo(5 * 60);
        h.clock.set(T0.plus(Duration.ofMinutes(13)));
        h.device("t0", "tm/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":9}"); // 12:22 → capped 12:20
        assertThat(remaining()).isEqualTo(7 * 60);

        h.clock.set(T0.plus(Duration.ofMinutes(19)));
        h.tick();
        assertThat(h.execution("t0", "tm").get("status").textValue()).isEqualTo("IN_PROGRESS");
        h.clock.set(T0.plus(Duration.ofMinutes(20)));
        h.tick();
        JsonNode execution = h.execution("t0", "tm");
        assertThat(execution.get("status").textValue()).isEqualTo("TIMED_OUT");
        assertThat(execution.has("approximateSecondsBeforeTimedOut")).isFalse();
        assertThat(h.job("tm").get("status").textValue()).isEqualTo("COMPLETED");
    }

    @Test
    void minusOneClearsTheStepTimerAndQueuedExecutionsNeverTimeOut() {
        things(2);
        h.ok("PUT", "/jobs/cl", "{\"targets\":" + EngineHarness.targets("t0", "t1") + ",\"document\":\"{}\"}");
        h.device("t0", "cl/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":1}");
        h.device("t0", "cl/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":-1}");
        h.advance(Duration.ofDays(8));

        assertThat(h.execution("t0", "cl").get("status").textValue()).isEqualTo("IN_PROGRESS");
        assertThat(h.execution("t1", "cl").get("status").textValue()).isEqualTo("QUEUED");
    }

    private long remaining() {
        return h.execution("t0", "tm").get("approximateSecondsBeforeTimedOut").longValue();
    }

    // ------------------------------------------------------------------ retries (§3.6, §13.6 item 6)

    @Test
    void timedOutExecutionIsRetriedWithANewExecutionNumber() {
        things(1);
        h.ok(
                "PUT",
                "/jobs/r",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\",\"jobExecutionsRetryConfig\":"
                        + "{\"criteriaList\":[{\"failureType\":\"TIMED_OUT\",\"numberOfRetries\":1}]}}");
        h.device("t0", "start-next", "{\"stepTimeoutInMinutes\":1}");
        h.outbound.take();
        h.advance(Duration.ofMinutes(1));

        JsonNode retry = h.execution("t0", "r");
        assertThat(retry.get("status").textValue()).isEqualTo("QUEUED");
        assertThat(retry.get("executionNumber").longValue()).isEqualTo(2);
        assertThat(h.ok("GET", "/things/t0/jobs/r?executionNumber=1", null)
                        .get("execution")
                        .get("status")
                        .textValue())
                .isEqualTo("TIMED_OUT");
        JsonNode summary =
                h.ok("GET", "/jobs/r/things", null).get("executionSummaries").get(0);
        assertThat(summary.get("jobExecutionSummary").get("retryAttempt").intValue())
                .isEqualTo(1);
        List<RecordingOutbound.Message> m = h.outbound.take();
        assertThat(m.stream().map(RecordingOutbound.Message::topic))
                .contains("$aws/things/t0/jobs/notify-next", "$aws/events/jobExecution/r/timed_out");

        h.device("t0", "start-next", "{\"stepTimeoutInMinutes\":1}");
        h.advance(Duration.ofMinutes(1));
        assertThat(h.execution("t0", "r").get("status").textValue())
                .as("budget spent")
                .isEqualTo("TIMED_OUT");
        assertThat(h.job("r").get("status").textValue()).isEqualTo("COMPLETED");
    }

    @Test
    void rejectedIsNeverRetriedAndFailedUsesItsOwnBudget() {
        things(2);
        h.ok(
                "PUT",
                "/jobs/f",
                "{\"targets\":" + EngineHarness.targets("t0", "t1") + ",\"document\":\"{}\","
                        + "\"jobExecutionsRetryConfig\":{\"criteriaList\":[{\"failureType\":\"ALL\",\"numberOfRetries\":3}]}}");
        h.device("t0", "f/update", "{\"status\":\"REJECTED\"}");
        h.device("t1", "f/update", "{\"status\":\"FAILED\"}");

        assertThat(h.execution("t0", "f").get("executionNumber").longValue()).isEqualTo(1);
        assertThat(h.execution("t1", "f").get("executionNumber").longValue()).isEqualTo(2);
        assertThat(RetryMath.shouldRetry(
                        new JobConfig.Retry(List.of(new JobConfig.RetryCriteria("FAILED", 2))),
                        dev.fleetsim.jobs.JobExecutionStatus.FAILED,
                        2,
                        0))
                .isFalse();
    }

    // ------------------------------------------------------------------ scheduling (§5.5)

    @Test
    void scheduledJobWaitsForItsStartAndCancelsAtItsEnd() {
        things(2);
        ApiResponse tooSoon = h.call(
                "PUT",
                "/jobs/early",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\","
                        + "\"schedulingConfig\":{\"startTime\":\"2026-11-28T12:10\"}}");
        assertThat(tooSoon.errorType()).isEqualTo("InvalidRequestException");

        h.ok(
                "PUT",
                "/jobs/sch",
                "{\"targets\":" + EngineHarness.targets("t0", "t1") + ",\"document\":\"{}\",\"schedulingConfig\":"
                        + "{\"startTime\":\"2026-11-28T12:40\",\"endTime\":\"2026-11-28T13:20\",\"endBehavior\":\"CANCEL\"}}");
        assertThat(h.job("sch").get("status").textValue()).isEqualTo("SCHEDULED");
        assertThat(queued("sch")).isZero();

        h.clock.set(Instant.parse("2026-11-28T12:40:00Z"));
        h.tick();
        assertThat(h.job("sch").get("status").textValue()).isEqualTo("IN_PROGRESS");
        assertThat(queued("sch")).isEqualTo(2);
        h.device("t0", "sch/update", "{\"status\":\"IN_PROGRESS\"}");

        h.clock.set(Instant.parse("2026-11-28T13:20:00Z"));
        h.tick();
        assertThat(h.job("sch").get("status").textValue()).isEqualTo("CANCELED");
        assertThat(h.execution("t1", "sch").get("status").textValue()).isEqualTo("CANCELED");
        assertThat(h.execution("t0", "sch").get("status").textValue())
                .as("CANCEL keeps IN_PROGRESS")
                .isEqualTo("IN_PROGRESS");
    }

    @Test
    void rolloutHappensOnlyInsideMaintenanceWindows() {
        String[] t = things(4);
        // T0 is Saturday 12:00 UTC; windows: every day at 12:30 for 10 minutes.
        h.ok(
                "PUT",
                "/jobs/mw",
                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\","
                        + "\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":2},\"schedulingConfig\":"
                        + "{\"maintenanceWindows\":[{\"startTime\":\"cron(30 12 ? * * *)\",\"durationInMinutes\":10}]}}");
        assertThat(queued("mw")).as("outside the window").isZero();
        JsonNode rollouts = h.job("mw").get("scheduledJobRollouts");
        assertThat(rollouts).hasSize(7);
        assertThat(rollouts.get(0).get("startTime").textValue()).isEqualTo("2026-11-28T12:30");
        assertThat(rollouts.get(1).get("startTime").textValue()).isEqualTo("2026-11-29T12:30");

        h.clock.set(T0.plus(Duration.ofMinutes(30)));
        h.tick();
        assertThat(queued("mw")).isEqualTo(2);
        h.clock.set(T0.plus(Duration.ofMinutes(41)));
        h.tick();
        assertThat(queued("mw")).as("the window closed at 12:40").isEqualTo(2);
        h.clock.set(T0.plus(Duration.ofHours(24).plusMinutes(30)));
        h.tick();
        assertThat(queued("mw")).isEqualTo(4);
        assertThat(h.call(
                                "PUT",
                                "/jobs/bad-mw",
                                "{\"targets\":" + EngineHarness.targets(t) + ",\"document\":\"{}\","
                                        + "\"schedulingConfig\":{\"maintenanceWindows\":[{\"startTime\":\"cron(0 99 * * ? *)\","
                                        + "\"durationInMinutes\":10}]}}")
                        .body()
                        .get("message")
                        .textValue())
                .contains("hours");
    }

    // ------------------------------------------------------------------ cancel, delete, continuous (§4.5, §5.3)

    @Test
    void cancelAndDeleteFollowTheirForceRules() {
        things(3);
        h.ok("PUT", "/jobs/x", "{\"targets\":" + EngineHarness.targets("t0", "t1", "t2") + ",\"document\":\"{}\"}");
        h.device("t0", "x/update", "{\"status\":\"IN_PROGRESS\"}");

        ApiResponse noForce = h.call("PUT", "/things/t0/jobs/x/cancel", "{}");
        assertThat(noForce.status()).isEqualTo(409);
        assertThat(noForce.errorType()).isEqualTo("InvalidStateTransitionException");
        ApiResponse stale = h.call("PUT", "/things/t1/jobs/x/cancel", "{\"expectedVersion\":7}");
        assertThat(stale.errorType()).isEqualTo("VersionConflictException");
        h.ok("PUT", "/things/t1/jobs/x/cancel", "{\"expectedVersion\":1}");
        assertThat(h.execution("t1", "x").get("status").textValue()).isEqualTo("CANCELED");

        ApiResponse deleteRunning = h.call("DELETE", "/jobs/x", null);
        assertThat(deleteRunning.errorType()).isEqualTo("InvalidStateTransitionException");

        h.ok("PUT", "/jobs/x/cancel?force=true", "{\"reasonCode\":\"OPERATOR\",\"comment\":\"stop\"}");
        JsonNode job = h.job("x");
        assertThat(job.get("status").textValue()).isEqualTo("CANCELED");
        assertThat(job.get("forceCanceled").booleanValue()).isTrue();
        assertThat(job.get("reasonCode").textValue()).isEqualTo("OPERATOR");
        JsonNode forced = h.execution("t0", "x");
        assertThat(forced.get("status").textValue()).isEqualTo("CANCELED");
        assertThat(forced.get("forceCanceled").booleanValue()).isTrue();

        h.device("t0", "x/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"late\"}");
        List<RecordingOutbound.Message> answers = h.outbound.take().stream()
                .filter(msg -> msg.topic().endsWith("/rejected"))
                .toList();
        assertThat(answers.get(answers.size() - 1).json().get("code").textValue())
                .isEqualTo("InvalidStateTransition");

        h.ok("DELETE", "/jobs/x", null);
        assertThat(h.job("x").get("status").textValue()).isEqualTo("DELETION_IN_PROGRESS");
        h.tick();
        assertThat(h.call("GET", "/jobs/x", null).status()).isEqualTo(404);
        h.outbound.take();
        h.device("t2", "x/get", "{\"clientToken\":\"gone\"}");
        RecordingOutbound.Message answer = h.outbound.take().get(0);
        assertThat(answer.topic()).isEqualTo("$aws/things/t2/jobs/x/get/rejected");
        assertThat(answer.json().get("code").textValue()).isEqualTo("ResourceNotFound");
    }

    @Test
    void forceDeleteOfARunningJobRemovesItsExecutionsAndNotifies() {
        things(1);
        h.ok("PUT", "/jobs/fd", "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\"}");
        h.device("t0", "fd/update", "{\"status\":\"IN_PROGRESS\"}");
        h.outbound.take();

        h.ok("DELETE", "/jobs/fd?force=true", null);
        h.tick();

        List<RecordingOutbound.Message> m = h.outbound.take();
        assertThat(m.stream()
                        .filter(msg -> msg.topic().endsWith("/notify-next"))
                        .findFirst()
                        .orElseThrow()
                        .json())
                .as("queue drained")
                .hasSize(1);
        assertThat(m.stream().map(RecordingOutbound.Message::topic))
                .contains("$aws/events/job/fd/deletion_in_progress", "$aws/events/job/fd/deleted");
    }

    @Test
    void continuousJobQueuesJoinersAndRemovesLeavers() {
        things(3);
        h.ok("POST", "/thing-groups/fleet", "{}");
        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"fleet\",\"thingName\":\"t0\"}");
        h.ok(
                "PUT",
                "/jobs/cont",
                "{\"targets\":[\"arn:aws:iot:us-east-1:123456789012:thinggroup/fleet\"],"
                        + "\"document\":\"{}\",\"targetSelection\":\"CONTINUOUS\"}");
        assertThat(queued("cont")).isEqualTo(1);

        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"fleet\",\"thingName\":\"t1\"}");
        assertThat(h.execution("t1", "cont").get("status").textValue()).isEqualTo("QUEUED");

        h.ok("PUT", "/thing-groups/removeThingFromThingGroup", "{\"thingGroupName\":\"fleet\",\"thingName\":\"t1\"}");
        assertThat(h.execution("t1", "cont").get("status").textValue()).isEqualTo("REMOVED");

        h.device("t0", "cont/update", "{\"status\":\"SUCCEEDED\"}");
        assertThat(h.job("cont").get("status").textValue())
                .as("continuous jobs never complete")
                .isEqualTo("IN_PROGRESS");
        assertThat(h.call("GET", "/things/t2/jobs/cont", null).status()).isEqualTo(404);
    }

    @Test
    void snapshotJobLatchesGroupMembershipAtCreation() {
        things(2);
        h.ok("POST", "/thing-groups/g", "{}");
        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"g\",\"thingName\":\"t0\"}");
        h.ok(
                "PUT",
                "/jobs/snap",
                "{\"targets\":[\"arn:aws:iot:us-east-1:123456789012:thinggroup/g\"]," + "\"document\":\"{}\"}");
        h.ok("PUT", "/thing-groups/addThingToThingGroup", "{\"thingGroupName\":\"g\",\"thingName\":\"t1\"}");

        assertThat(h.call("GET", "/things/t1/jobs/snap", null).status()).isEqualTo(404);
        h.device("t0", "snap/update", "{\"status\":\"SUCCEEDED\"}");
        assertThat(h.job("snap").get("status").textValue()).isEqualTo("COMPLETED");
        assertThat(h.job("snap").has("completedAt")).isTrue();
    }

    @Test
    void managedTemplateParametersAreSubstitutedAtCreation() {
        things(1);
        ApiResponse missing = h.call(
                "PUT",
                "/jobs/m",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"jobTemplateArn\":"
                        + "\"arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0\"}");
        assertThat(missing.errorType()).isEqualTo("InvalidRequestException");

        h.ok(
                "PUT",
                "/jobs/m",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"jobTemplateArn\":"
                        + "\"arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0\",\"documentParameters\":"
                        + "{\"downloadUrl\":\"https://example.com/a \\\"b\\\"\",\"filePath\":\"/tmp/a\"}}");
        String document =
                h.ok("GET", "/jobs/m/job-document", null).get("document").textValue();
        JsonNode parsed = dev.fleetsim.jobs.JobsJson.readTree(document);
        JsonNode args = parsed.get("steps").get(0).get("action").get("input").get("args");
        assertThat(args.get(0).textValue()).isEqualTo("https://example.com/a \"b\"");
        assertThat(args.get(1).textValue()).isEqualTo("/tmp/a");
        assertThat(h.job("m").get("documentParameters")).hasSize(2);
    }

    @Test
    void customTemplateSuppliesDocumentAndConfigsThatTheJobCanOverride() {
        things(1);
        h.ok(
                "PUT",
                "/job-templates/tpl",
                "{\"description\":\"d\",\"document\":\"{\\\"op\\\":\\\"x\\\"}\","
                        + "\"timeoutConfig\":{\"inProgressTimeoutInMinutes\":5},"
                        + "\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":10}}");
        assertThat(h.call("PUT", "/job-templates/tpl", "{\"description\":\"d\",\"document\":\"{}\"}")
                        .status())
                .isEqualTo(409);
        h.ok(
                "PUT",
                "/jobs/fromtpl",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"jobTemplateArn\":"
                        + "\"arn:aws:iot:us-east-1:123456789012:jobtemplate/tpl\",\"timeoutConfig\":"
                        + "{\"inProgressTimeoutInMinutes\":9}}");
        JsonNode job = h.job("fromtpl");
        assertThat(job.get("timeoutConfig").get("inProgressTimeoutInMinutes").intValue())
                .isEqualTo(9);
        assertThat(job.get("jobExecutionsRolloutConfig").get("maximumPerMinute").intValue())
                .isEqualTo(10);
        assertThat(h.ok("GET", "/jobs/fromtpl/job-document", null)
                        .get("document")
                        .textValue())
                .isEqualTo("{\"op\":\"x\"}");
    }

    @Test
    void presignedPlaceholdersNeedAnArtifactStore() {
        things(1);
        ApiResponse response = h.call(
                "PUT",
                "/jobs/p",
                "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":"
                        + "\"{\\\"url\\\":\\\"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k}\\\"}\"}");
        assertThat(response.errorType()).isEqualTo("InvalidRequestException");
        assertThat(response.body().get("message").textValue()).contains("artifact store");
    }

    @Test
    void errorsUseTheModelsTypesAndStatuses() {
        things(1);
        ApiResponse created =
                h.call("PUT", "/jobs/dup", "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\"}");
        assertThat(created.status()).isEqualTo(200);
        ApiResponse dup =
                h.call("PUT", "/jobs/dup", "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\"}");
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.errorType()).isEqualTo("ResourceAlreadyExistsException");
        assertThat(dup.body().get("resourceId").textValue()).isEqualTo("dup");
        assertThat(h.call("PUT", "/jobs/bad", "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"[1]\"}")
                        .errorType())
                .isEqualTo("InvalidRequestException");
        assertThat(h.call(
                                "PUT",
                                "/jobs/bad",
                                "{\"targets\":[\"arn:aws:iot:us-east-1:123456789012:thing/nobody\"],"
                                        + "\"document\":\"{}\"}")
                        .status())
                .isEqualTo(404);
        assertThat(h.call("GET", "/jobs?maxResults=0", null).errorType()).isEqualTo("InvalidRequestException");
        assertThat(h.call("GET", "/no/such/api", null).status()).isEqualTo(404);
        for (int i = 0; i < 10; i++) {
            h.ok("PUT", "/jobs/del" + i, "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\"}");
            h.ok("DELETE", "/jobs/del" + i + "?force=true", null);
        }
        ApiResponse limit = h.call("DELETE", "/jobs/dup?force=true", null);
        assertThat(limit.status()).isEqualTo(410);
        assertThat(limit.errorType()).isEqualTo("LimitExceededException");
    }

    @Test
    void listJobsFiltersAndPaginates() {
        things(1);
        for (int i = 0; i < 5; i++) {
            h.ok("PUT", "/jobs/l" + i, "{\"targets\":" + EngineHarness.targets("t0") + ",\"document\":\"{}\"}");
            h.clock.advance(Duration.ofSeconds(1));
        }
        h.ok("PUT", "/jobs/l0/cancel", "{}");
        JsonNode first = h.ok("GET", "/jobs?maxResults=2", null);
        assertThat(first.get("jobs")).hasSize(2);
        assertThat(first.get("jobs").get(0).get("jobId").textValue()).isEqualTo("l4");
        JsonNode second = h.ok(
                "GET", "/jobs?maxResults=2&nextToken=" + first.get("nextToken").textValue(), null);
        assertThat(second.get("jobs").get(0).get("jobId").textValue()).isEqualTo("l2");
        assertThat(h.ok("GET", "/jobs?status=CANCELED", null).get("jobs")).hasSize(1);
        assertThat(h.ok("GET", "/jobs?status=IN_PROGRESS", null).get("jobs")).hasSize(4);
        assertThat(Map.of()).isEmpty();
    }
}

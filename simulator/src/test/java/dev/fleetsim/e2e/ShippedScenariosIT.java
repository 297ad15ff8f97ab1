package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.jobs.JobsJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped scenarios CI can afford, run as a user runs them ({@code fleetsim run FILE}), checked through their
 * {@code report.json}: the staged rollout conforms to AWS's rate formula, the abort trips at the right count, a
 * continuous job picks up devices that join its group.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ShippedScenariosIT {
    private static final Path SCENARIOS = Path.of("..", "scenarios");

    @TempDir
    Path reports;

    private JsonNode run(String scenario) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path dir = reports.resolve(scenario);
        int exit = FleetsimCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute("run", SCENARIOS.resolve(scenario + ".yaml").toString(), "--report-dir", dir.toString());
        assertThat(exit).as(out + "\n" + err).isZero();
        return JobsJson.mapper().readTree(dir.resolve("report.json").toFile());
    }

    @Test
    void stagedRolloutNotifiesAtTheRateAwsAllowsEveryMinute() throws Exception {
        JsonNode report = run("staged-rollout");

        JsonNode job = report.get("jobs").get(0);
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(report.get("realSeconds").asDouble()).isLessThan(120);
        assertThat(report.get("devices").asInt()).isEqualTo(5000);
        // By hand from spec §5.2 with b=50, f=2, N=100 notified, M=1,000, a minute's rate fixed at its start:
        // notified before each minute 0, 50, 100, 200, 400, 1200, 2200, 3200, 4200 → k = 0, 0, 1, 2, 4, 12, …
        // → 50, 50, 100, 200, 800, then 1,000 capped, and the last 800 of 5,000.
        int[] expected = {50, 50, 100, 200, 800, 1000, 1000, 1000, 800};
        JsonNode minutes = job.get("rollout").get("perMinute");
        assertThat(minutes.size()).isEqualTo(expected.length);
        for (int m = 0; m < expected.length; m++) {
            // A device may read its notification a few simulated seconds after a minute's boundary.
            assertThat(minutes.get(m).get("notified").asInt())
                    .as("minute %d of %s", m, minutes)
                    .isCloseTo(expected[m], within(3));
        }
    }

    @Test
    void abortTripsAtTheFirstCompletedCountOverTheThreshold() throws Exception {
        JsonNode report = run("abort-on-failures");

        JsonNode job = report.get("jobs").get(0);
        assertThat(job.get("status").asText()).isEqualTo("CANCELED");
        assertThat(job.get("reasonCode").asText()).isEqualTo("FAILURE_THRESHOLD_EXCEEDED");
        JsonNode abort = job.get("abort");
        // Spec §5.4, read here on its own: FAILED, at least 50 completed, 20 %: the first completed count at which
        // 100·failed/completed ≥ 20.
        int completed = 0;
        int failed = 0;
        int tripsAt = -1;
        for (JsonNode status : abort.get("completedInOrder")) {
            completed++;
            failed += status.asText().equals("FAILED") ? 1 : 0;
            if (completed >= 50 && 100.0 * failed / completed >= 20) {
                tripsAt = completed;
                break;
            }
        }
        assertThat(tripsAt)
                .as("the order devices completed in: %s", abort.get("completedInOrder"))
                .isPositive();
        assertThat(abort.get("completed").asInt()).isEqualTo(tripsAt);
    }

    @Test
    void aContinuousJobReachesDevicesThatJoinTheGroupLater() throws Exception {
        JsonNode report = run("continuous-group");

        JsonNode job = report.get("jobs").get(0);
        assertThat(job.get("executions").get("SUCCEEDED").asInt()).isEqualTo(1000);
        JsonNode minutes = job.get("rollout").get("perMinute");
        int before = 0;
        int after = 0;
        for (JsonNode m : minutes) {
            if (m.get("minute").asInt() < 3) {
                before += m.get("notified").asInt();
            } else {
                after += m.get("notified").asInt();
            }
        }
        assertThat(before).isEqualTo(500); // the group's first half, from the start
        assertThat(after).isEqualTo(500); // the joiners, at 3.5 simulated minutes
    }

    @Test
    void troubleshootingFactoryResetAndCertificateRotationComplete() throws Exception {
        for (String scenario : new String[] {"troubleshoot", "factory-reset"}) {
            JsonNode job = run(scenario).get("jobs").get(0);
            assertThat(job.get("status").asText()).as(scenario).isEqualTo("COMPLETED");
            assertThat(job.get("executions").get("SUCCEEDED").asInt())
                    .as(scenario)
                    .isEqualTo(job.get("executionsTotal").asInt());
        }
    }

    @Test
    void timedOutAndFailedExecutionsAreRetriedThroughABrokerRestart() throws Exception {
        JsonNode report = run("timeouts-and-retries");

        JsonNode job = report.get("jobs").get(0);
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("executions").get("SUCCEEDED").asDouble()
                        / job.get("executionsTotal").asDouble())
                .isGreaterThanOrEqualTo(0.95);
        // Every device reconnected after the restart.
        assertThat(report.get("mqtt").get("connects").asInt()).isGreaterThanOrEqualTo(2 * 200);
        // Retries show as executions beyond one per thing.
        assertThat(report.get("phases").get("end-to-end").get("count").asInt()).isGreaterThan(200);
    }
}

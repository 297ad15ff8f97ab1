package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(job.get("rollout").get("maxDeviation").asInt()).isLessThanOrEqualTo(1);
        JsonNode minutes = job.get("rollout").get("perMinute");
        assertThat(minutes.get(0).get("notified").asInt()).isEqualTo(50); // baseRatePerMinute
        assertThat(minutes.size()).isGreaterThanOrEqualTo(5); // 5,000 at ≤ 1,000 per minute
        assertThat(report.get("realSeconds").asDouble()).isLessThan(120);
        assertThat(report.get("devices").asInt()).isEqualTo(5000);
    }

    @Test
    void abortTripsAtTheFirstCompletedCountOverTheThreshold() throws Exception {
        JsonNode report = run("abort-on-failures");

        JsonNode job = report.get("jobs").get(0);
        assertThat(job.get("status").asText()).isEqualTo("CANCELED");
        assertThat(job.get("reasonCode").asText()).isEqualTo("FAILURE_THRESHOLD_EXCEEDED");
        JsonNode abort = job.get("abort");
        assertThat(abort.get("completed").asInt())
                .isEqualTo(abort.get("expectedAtCompleted").asInt());
        JsonNode by = abort.get("byStatus");
        double failed = by.get("FAILED").asDouble();
        assertThat(100 * failed / abort.get("completed").asDouble()).isGreaterThanOrEqualTo(20);
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

package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process: exit codes, the summary, and one-line errors for user mistakes. */
class FleetsimCommandIT {

    @TempDir
    Path dir;

    private static Cli.Outcome run(String... args) {
        return Cli.run(args);
    }

    private Path scenario(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void runPrintsTheSummaryAndExitsZeroWhenEverythingSucceeded() throws IOException {
        Path file = scenario("small.yaml", """
                name: small
                timeout: 30s
                fleet:
                  count: 12
                  thingNamePattern: "small-%02d"
                cohorts:
                  - {name: all, share: 100%, install: 20ms}
                jobs:
                  - jobId: first
                    document: {operation: install, version: 1.1.0}
                  - jobId: second
                    document: '{"operation":"install","version":"2"}'
                    targets: [small-00, "arn:aws:iot:us-east-1:123456789012:thing/small-01"]
                """);

        Path reports = dir.resolve("reports");
        Cli.Outcome outcome = run("run", file.toString(), "--report-dir", reports.toString());

        assertThat(outcome.exitCode()).as(outcome.out() + outcome.err()).isZero();
        assertThat(outcome.out())
                .contains("devices ready: 12/12")
                .contains("job first: COMPLETED  SUCCEEDED 12")
                .contains("job second: COMPLETED  SUCCEEDED 2")
                .contains("end to end (job created -> terminal status): p50")
                .contains("(14 samples)")
                .contains("result: PASS: every execution SUCCEEDED");
        var report = dev.fleetsim.jobs.JobsJson.mapper()
                .readTree(reports.resolve("report.json").toFile());
        assertThat(report.get("schema").asText()).isEqualTo("fleetsim-report/1");
        assertThat(report.get("jobs").get(1).get("executions").get("SUCCEEDED").asInt())
                .isEqualTo(2);
        assertThat(report.get("phases").get("end-to-end").get("count").asLong()).isEqualTo(14);
        assertThat(java.nio.file.Files.readString(reports.resolve("report.html")))
                .contains("<svg")
                .doesNotContain("<script")
                .doesNotContain("http://cdn");
        assertThat(reports.resolve("end-to-end.hlog")).exists();
    }

    @Test
    void missingScenarioIsOneLineAndExitCode2() {
        Cli.Outcome outcome = run("run", dir.resolve("absent.yaml").toString());

        assertThat(outcome.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(outcome.err().strip())
                .isEqualTo("fleetsim: " + dir.resolve("absent.yaml") + ": scenario file not found");
    }

    @Test
    void malformedYamlNamesFileLineAndColumn() throws IOException {
        Path file = scenario("broken.yaml", "name: x\nfleet:\n  count: [1\njobs: []\n");

        Cli.Outcome outcome = run("run", file.toString());

        assertThat(outcome.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(outcome.err())
                .startsWith("fleetsim: " + file + ":")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(outcome.err().lines().count()).isEqualTo(1);
    }

    @Test
    void unknownKeyListsTheKnownOnes() throws IOException {
        Path file = scenario(
                "typo.yaml", "name: x\nfleet:\n  count: 3\n  cout: 4\njobs:\n  - jobId: a\n    document: {}\n");

        Cli.Outcome outcome = run("validate", file.toString());

        assertThat(outcome.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(outcome.err()).contains(file + ":4:").contains("unknown key 'cout' in fleet; did you mean 'count'?");
    }

    @Test
    void everySemanticProblemIsReportedAtOnce() throws IOException {
        Path file = scenario("many.yaml", """
                name: many
                timeout: soon
                fleet:
                  count: 0
                jobs:
                  - jobId: "has space"
                    document: "[1]"
                  - jobId: ok
                    document: {}
                    targets: [not-in-fleet]
                """);

        Cli.Outcome outcome = run("validate", file.toString());

        assertThat(outcome.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(outcome.err())
                .contains("timeout: 'soon' is not a duration")
                .contains(file + ":4:3: fleet.count: must be 1-1000000, not 0")
                .contains("jobs[0].jobId")
                .contains("jobs[0].document: the document must be a JSON object")
                .contains("jobs[1].targets[0]: 'not-in-fleet' is neither a thing of this fleet nor a group");
    }

    @Test
    void portInUseIsAClearMessage() throws IOException {
        Path file = scenario("ok.yaml", "name: x\nfleet: {count: 1}\njobs: [{jobId: a, document: {}}]\n");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

            Cli.Outcome outcome = run("run", "--mqtt-port", Integer.toString(taken.getLocalPort()), file.toString());

            assertThat(outcome.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(outcome.err()).contains("MQTT port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }

    @Test
    void versionAndHelp() {
        assertThat(run("--version").out()).startsWith("fleetsim ");
        Cli.Outcome help = run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("run").contains("validate");
        assertThat(run().exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}

package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A soak of a length chosen on the command line: a job series without {@code times} runs until the end, the stack and
 * the run keep the detail of the latest finished jobs only (their retention), every job is still in the report with
 * its counts, and the report carries the process's resources over time.
 */
class SoakRunIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSoakRunsForItsRealDurationWithABoundedHistoryAndReportsItsResources() throws Exception {
        Path file = dir.resolve("soak.yaml");
        Files.writeString(file, """
                name: mini-soak
                target: {local: {timeScale: 60, retention: {completedJobs: 4}}}
                fleet: {count: 20, thingNamePattern: "soak-%02d"}
                cohorts:
                  - {name: all, share: 100%, install: 5s}
                jobs:
                  - {jobId: push, every: 1m, document: {operation: install, version: config}}
                """);
        Path reports = dir.resolve("reports");
        StringWriter out = new StringWriter();
        CommandLine cli = FleetsimCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));

        // A short run in a large heap may see no collection at all: make sure some happen, as hours of soak would.
        Thread collections = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(3_000);
                    System.gc();
                }
            } catch (InterruptedException done) {
                // the run is over
            }
        });
        collections.setDaemon(true);
        collections.start();
        int code;
        try {
            code = cli.execute("run", file.toString(), "--duration", "25s", "--report-dir", reports.toString());
        } finally {
            collections.interrupt();
        }

        assertThat(code).as(out.toString()).isZero();
        JsonNode report =
                JobsJson.mapper().readTree(reports.resolve("report.json").toFile());
        // 25 real seconds at 60x: 25 simulated minutes, a job each minute.
        assertThat(report.get("jobs")).hasSize(25);
        List<String> retired = new ArrayList<>();
        int succeeded = 0;
        for (JsonNode job : report.get("jobs")) {
            succeeded += job.path("executions").path("SUCCEEDED").asInt();
            if (job.path("retired").asBoolean()) {
                retired.add(job.get("jobId").asText());
                assertThat(job.has("rollout")).isFalse();
            } else if (job.get("status").asText().equals("COMPLETED")) {
                assertThat(job.has("rollout")).isTrue();
            }
        }
        // All but the latest four finished ones (and the ones still running at the end) let their detail go.
        assertThat(retired).hasSizeBetween(17, 21).contains("push-1", "push-10");
        assertThat(succeeded).isGreaterThanOrEqualTo(20 * 22);
        JsonNode resources = report.get("resources");
        assertThat(resources.path("heapAfterGcBytes").path("max").asLong()).isPositive();
        assertThat(resources.path("threads").path("end").asInt()).isPositive();
        assertThat(resources.path("openFiles").path("end").asInt()).isPositive();
        assertThat(report.get("samples").get(5).has("heapAfterGcBytes")).isTrue();
        assertThat(Files.readString(reports.resolve("report.html"))).contains("Heap after GC");
    }
}

package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.bench.ChildStack;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.jobs.JobsJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring as a Grafana user meets it: Debian's real Prometheus scrapes a real run and a real {@code fleetsim
 * local} every second; every query of every dashboard panel and variable is evaluated through Prometheus's HTTP API
 * and must return data carrying the labels its legend shows; the totals Prometheus holds equal the report's; promtool
 * accepts the shipped configuration and both expositions. Skipped where Prometheus is not installed ({@code .ci/run}
 * installs it).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PrometheusIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-z_]+)\\s*}}");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " → " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static int promtool(String input, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertThat(code).as(String.join(" ", args) + ": " + out).isZero();
        return code;
    }

    @Test
    void everyDashboardQueryReturnsLabelledDataFromARealPrometheus() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL), "Prometheus is not installed");
        promtool(
                null,
                "check",
                "config",
                ROOT.resolve("prometheus/prometheus.yml").toString());

        int runMetrics = freePort();
        int localControl = freePort();
        int prometheusPort = freePort();
        ChildStack local = ChildStack.start(
                dir.resolve("local"),
                true,
                List.of(
                        "--mqtt-port",
                        Integer.toString(freePort()),
                        "--mqtts-port",
                        "-1",
                        "--mqtt-alpn-port",
                        "-1",
                        "--control-plane-port",
                        Integer.toString(localControl),
                        "--data-plane-port",
                        Integer.toString(freePort()),
                        "--s3-port",
                        Integer.toString(freePort()),
                        "--ephemeral"));
        Process prometheus = null;
        try {
            Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 1s}
                    scrape_configs:
                      - job_name: fleetsim-run
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                      - job_name: fleetsim-local
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                    """.formatted(runMetrics, localControl));
            promtool(null, "check", "config", config.toString());
            prometheus = new ProcessBuilder(
                            PROMETHEUS.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("tsdb"),
                            "--web.listen-address=127.0.0.1:" + prometheusPort,
                            "--log.level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            String api = "http://127.0.0.1:" + prometheusPort + "/api/v1/";

            // A real run: jobs with an artifact that finish within the first half of the run, then a quiet half
            // during which Prometheus scrapes the final counts.
            Path scenario = Files.writeString(dir.resolve("monitored.yaml"), """
                    name: monitored
                    seed: 5
                    duration: 24m
                    target: {local: {timeScale: 60}}
                    fleet: {count: 40, thingNamePattern: "mon-%02d"}
                    cohorts:
                      - {name: ok, share: 90%, install: 30s}
                      - {name: bad, share: 10%, outcomes: {fail: 1}, install: 30s}
                    artifacts:
                      - {name: fw, size: 256KiB, signed: true}
                    jobs:
                      - jobId: rollout-a
                        artifact: fw
                        document: {operation: install, version: "2"}
                        jobExecutionsRolloutConfig:
                          exponentialRate: {baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: {numberOfNotifiedThings: 5}}
                      - {jobId: rollout-b, at: 2m, document: {operation: reboot}}
                    expect:
                      - {job: rollout-a, status: COMPLETED}
                      - {job: rollout-b, status: COMPLETED}
                    """);
            Path reports = dir.resolve("report");
            StringWriter out = new StringWriter();
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
                var cli = FleetsimCommand.commandLine();
                cli.setOut(new PrintWriter(out));
                cli.setErr(new PrintWriter(out));
                return cli.execute(
                        "run",
                        scenario.toString(),
                        "--report-dir",
                        reports.toString(),
                        "--metrics-port",
                        Integer.toString(runMetrics));
            });
            // While it runs: both expositions pass promtool's lint (help text, names, types).
            String runText = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (runText == null && System.nanoTime() < deadline) {
                try {
                    runText = get("http://127.0.0.1:" + runMetrics + "/metrics");
                } catch (IOException | AssertionError notYet) {
                    Thread.sleep(200);
                }
            }
            assertThat(runText).as(out.toString()).isNotNull();
            promtool(runText, "check", "metrics");
            promtool(get("http://127.0.0.1:" + localControl + "/metrics"), "check", "metrics");
            // The run shares this JVM: a collection during it gives the GC panels data however much heap earlier
            // tests left (Micrometer's pause timer exists only once the JVM has collected while it was bound).
            System.gc();
            long start = System.currentTimeMillis() / 1000;
            assertThat(run.get(120, TimeUnit.SECONDS)).as(out.toString()).isZero();
            long end = System.currentTimeMillis() / 1000;
            JsonNode report =
                    JobsJson.mapper().readTree(reports.resolve("report.json").toFile());

            List<String> problems = new ArrayList<>();
            JsonNode dashboard = JobsJson.mapper()
                    .readTree(
                            ROOT.resolve("grafana/dashboards/fleetsim-run.json").toFile());
            for (JsonNode variable : dashboard.get("templating").get("list")) {
                Matcher lv = Pattern.compile("label_values\\((.*),\\s*([a-z_]+)\\)")
                        .matcher(variable.path("definition").asText());
                if (lv.find()) {
                    JsonNode values = JobsJson.mapper()
                            .readTree(get(api + "label/" + lv.group(2) + "/values?match[]=" + enc(grafana(lv.group(1)))
                                    + "&start=" + start + "&end=" + end))
                            .get("data");
                    if (values.isEmpty()) {
                        problems.add("variable " + variable.get("name").asText() + ": no values");
                    }
                }
            }
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = grafana(target.get("expr").asText());
                    JsonNode result = JobsJson.mapper()
                            .readTree(get(api + "query_range?query=" + enc(expr) + "&start=" + start + "&end=" + end
                                    + "&step=1"))
                            .get("data")
                            .get("result");
                    String title = panel.get("title").asText() + " / "
                            + target.get("refId").asText();
                    if (result.isEmpty()) {
                        problems.add(title + ": no data for " + expr);
                        continue;
                    }
                    Set<String> labels = new HashSet<>();
                    result.forEach(series -> series.get("metric").fieldNames().forEachRemaining(labels::add));
                    Matcher legend =
                            LEGEND_LABEL.matcher(target.path("legendFormat").asText());
                    while (legend.find()) {
                        if (!labels.contains(legend.group(1))) {
                            problems.add(title + ": legend label " + legend.group(1) + " not in " + labels);
                        }
                    }
                }
            }
            assertThat(problems).isEmpty();

            // Prometheus's totals are the report's.
            for (JsonNode job : report.get("jobs")) {
                String id = job.get("jobId").asText();
                for (String status : List.of("SUCCEEDED", "FAILED")) {
                    JsonNode r = JobsJson.mapper()
                            .readTree(get(api + "query?time=" + end + "&query="
                                    + enc("max_over_time(fleetsim_executions_reported_total{job=\"fleetsim-run\","
                                            + "job_id=\"" + id + "\",status=\"" + status + "\"}[10m])")))
                            .get("data")
                            .get("result");
                    assertThat(r.get(0).get("value").get(1).asDouble())
                            .as(id + " " + status)
                            .isEqualTo(job.get("executions").get(status).asDouble());
                }
            }
            assertThat(report.get("jobs")
                            .get(0)
                            .get("executions")
                            .get("SUCCEEDED")
                            .asInt())
                    .isPositive();
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                prometheus.waitFor(10, TimeUnit.SECONDS);
            }
            local.close();
        }
    }

    /** A dashboard expression as Grafana sends it: its variables replaced ("All" is .*), its rate window 4 s. */
    private static String grafana(String expr) {
        return expr.replace("$__rate_interval", "4s")
                .replace("$instance", ".*")
                .replace("$job_id", ".*")
                .replace("$phase", ".*");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

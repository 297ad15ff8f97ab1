package dev.fleetsim.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.LocalTarget;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import dev.fleetsim.testing.Chromium;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobProcessDetails;

/**
 * The live console in a real browser (Debian's chromium, headless, over the DevTools protocol) during a real run on the
 * embedded local stack: the page's grid and counts move, its counts end equal to DescribeJob's, and a Cancel clicked in
 * the page cancels the job in the service. A screenshot of the page is kept in target/.
 */
class ConsoleIT {
    private static final String SCENARIO = """
            name: console-it
            seed: 5
            timeout: 2m
            duration: 40m
            target: {local: {timeScale: 60}}
            fleet: {count: 240, thingNamePattern: "ui-%04d", groups: [{name: all, share: 100%}]}
            cohorts:
              - {name: main, share: 90%, install: {uniform: [20s, 1m]}}
              - {name: flaky, share: 10%, outcomes: {succeed: 1, fail: 1}, install: 30s}
            jobs:
              - jobId: fast
                targets: [all]
                document: {operation: install, version: 2.0.0}
              - jobId: slow
                at: 1m
                targets: [all]
                document: {operation: reboot}
                jobExecutionsRolloutConfig: {maximumPerMinute: 1}
            """;

    @TempDir
    Path dir;

    private LocalTarget target;
    private ConsoleServer console;
    private ScenarioRunner runner;
    private CompletableFuture<RunReport> run;

    @BeforeEach
    void start() throws Exception {
        Path file = dir.resolve("console-it.yaml");
        Files.writeString(file, SCENARIO);
        Scenario scenario = ScenarioLoader.load(file);
        target = LocalTarget.start(LocalStackConfig.ephemeral().toBuilder()
                .clock(new VirtualClock(scenario.timeScale()))
                .build());
        console = ConsoleServer.start("127.0.0.1", 0);
        runner = new ScenarioRunner(
                new ScenarioRunner.Options(dir.resolve("report"), false, console), line -> {}, o -> {});
        run = CompletableFuture.supplyAsync(() -> {
            try {
                return runner.run(scenario, target);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (runner != null) {
            runner.requestStop();
            run.get(60, TimeUnit.SECONDS);
        }
        if (console != null) {
            console.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static String count(String job, String status) {
        return "Number((document.querySelector('tr[data-job=\"" + job + "\"] [data-count=\"" + status
                + "\"]') || {textContent: 'x 0'}).textContent.trim().split(' ').pop())";
    }

    @Test
    void thePageFollowsTheRunAndItsCancelCancelsTheJobInTheService() throws Exception {
        assumeTrue(Chromium.available(), "chromium is not installed (apt-get install chromium)");
        try (Chromium browser = Chromium.start(1400, 1000)) {
            browser.navigate(console.url());

            // The grid is drawn and its counts move as devices connect and take the job.
            browser.await("document.querySelector('#grid').height > 0", Duration.ofSeconds(30));
            browser.await(
                    "Number(document.querySelector('#legend [data-cell=\"SUCCEEDED\"] b').textContent"
                            + ".replace(/,/g, '')) > 0",
                    Duration.ofSeconds(60));

            // When the fast job is COMPLETED, the page's counts are the service's.
            browser.await(
                    "document.querySelector('tr[data-job=\"fast\"]')?.dataset.status === 'COMPLETED'",
                    Duration.ofSeconds(60));
            Thread.sleep(600); // one more frame after the status the page showed
            JobProcessDetails d =
                    target.iot().describeJob(r -> r.jobId("fast")).job().jobProcessDetails();
            assertThat(browser.evaluate(count("fast", "SUCCEEDED")).asInt())
                    .isEqualTo(d.numberOfSucceededThings())
                    .isPositive();
            assertThat(browser.evaluate(count("fast", "FAILED")).asInt())
                    .isEqualTo(d.numberOfFailedThings())
                    .isPositive();
            assertThat(d.numberOfSucceededThings() + d.numberOfFailedThings()).isEqualTo(240);

            // A Cancel clicked in the page cancels the slow job in the service, through the AWS API.
            browser.await(
                    "document.querySelector('[data-cancel=\"slow\"]') && !document.querySelector('[data-cancel=\"slow\"]').disabled",
                    Duration.ofSeconds(60));
            browser.evaluate("document.querySelector('[data-cancel=\"slow\"]').click()");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Job slow = target.iot().describeJob(r -> r.jobId("slow")).job();
            while (!slow.statusAsString().equals("CANCELED") && System.nanoTime() < deadline) {
                Thread.sleep(100);
                slow = target.iot().describeJob(r -> r.jobId("slow")).job();
            }
            assertThat(slow.statusAsString()).isEqualTo("CANCELED");
            assertThat(slow.comment()).isEqualTo("canceled from the live console");
            browser.await(
                    "document.querySelector('tr[data-job=\"slow\"]').dataset.status === 'CANCELED'",
                    Duration.ofSeconds(10));

            // A device's drill-down: its thing name, its execution from the service, its last MQTT messages.
            browser.evaluate("showDevice(3)");
            browser.await("document.querySelector('#device-title').textContent === 'ui-0003'", Duration.ofSeconds(10));
            browser.await("document.querySelectorAll('#device-messages li').length > 0", Duration.ofSeconds(10));
            JsonNode execution = browser.evaluate("document.querySelector('#device-execution').textContent");
            assertThat(execution.asText()).contains("\"jobId\"");

            browser.screenshot(Path.of("target", "console-it.png"));
            int applied = browser.evaluate("state.frames").asInt();
            assertThat(applied).as("frames the page applied").isGreaterThan(3);
            assertThat(console.stats().framesSent()).isGreaterThanOrEqualTo(applied);
        }
    }

    /**
     * A browser that stops reading (a hidden tab, a slow laptop) is skipped, not queued for: what waits for it stays
     * under the high-water mark, and once it reads again the next frame it gets is the run as it is now.
     */
    @Test
    void aClientThatDoesNotReadIsSkippedThenGetsTheLatestState() throws Exception {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(2048);
            socket.connect(new InetSocketAddress("127.0.0.1", console.port()));
            socket.getOutputStream()
                    .write(("GET /events?token=" + console.token() + " HTTP/1.1\r\nHost: 127.0.0.1:" + console.port()
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (console.stats().framesSkipped() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            ConsoleServer.Stats stalled = console.stats();
            assertThat(stalled.framesSkipped())
                    .as("frames skipped for the stalled client")
                    .isGreaterThanOrEqualTo(8);
            assertThat(stalled.mostPendingBytes()).isLessThanOrEqualTo(ConsoleServer.HIGH_WATER_MARK + 16 * 1024);

            // Reading again: the backlog drains, then the frames are the present.
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(300);
            StringBuilder received = new StringBuilder();
            byte[] buffer = new byte[65_536];
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            while (System.nanoTime() < until) {
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                } catch (SocketTimeoutException quiet) {
                    // between two frames
                }
            }
            String text = received.toString();
            int last = text.lastIndexOf("data: ");
            String json = text.substring(last + "data: ".length(), text.indexOf("\n\n", last));
            double lastSeen =
                    JSON.readTree(json).path("clock").path("realSeconds").asDouble();
            double now = run.isDone() ? lastSeen : currentRealSeconds();
            assertThat(lastSeen).isGreaterThan(now - 1.5);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private double currentRealSeconds() throws Exception {
        HttpResponse<String> state = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + console.port() + "/api/state?token=" + console.token()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(state.body()).path("clock").path("realSeconds").asDouble();
    }
}

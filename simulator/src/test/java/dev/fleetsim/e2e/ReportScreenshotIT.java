package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fleetsim.cli.FleetsimCommand;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report of a real run, rendered by headless Chromium (Debian's; skipped where it is not installed): the page
 * renders, its charts are drawn (coloured lines, not a blank page), charts without data are left out, and percentiles
 * are labelled. The screenshot stays in {@code target/report-screenshot.png} to look at.
 */
class ReportScreenshotIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theReportRendersInABrowserWithItsCharts() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
        Path scenario = Files.writeString(dir.resolve("shown.yaml"), """
                name: shown
                seed: 3
                target: {local: {timeScale: 60}}
                fleet: {count: 30, thingNamePattern: "shown-%02d"}
                cohorts:
                  - {name: ok, share: 80%, install: {uniform: [20s, 2m]}}
                  - {name: bad, share: 20%, outcomes: {succeed: 1, fail: 1}, install: 1m}
                jobs:
                  - jobId: staged
                    document: {operation: install, version: "3"}
                    jobExecutionsRolloutConfig: {maximumPerMinute: 10}
                expect:
                  - {job: staged, status: COMPLETED}
                """);
        Path reports = dir.resolve("report");
        StringWriter out = new StringWriter();
        var cli = FleetsimCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        assertThat(cli.execute("run", scenario.toString(), "--report-dir", reports.toString()))
                .as(out.toString())
                .isZero();
        Path html = reports.resolve("report.html");
        String page = Files.readString(html);
        assertThat(page)
                .contains("Rollout: executions notified per simulated minute")
                .contains(">p99.9<")
                .contains("stroke-dasharray")
                .doesNotContain("Download throughput"); // no artifact, no download chart

        Path png = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.deleteIfExists(png);
        Process chromium = new ProcessBuilder(
                        CHROMIUM.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--hide-scrollbars",
                        "--user-data-dir=" + dir.resolve("chromium"),
                        "--window-size=1000,2600",
                        "--screenshot=" + png,
                        html.toUri().toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile())
                .start();
        assertThat(chromium.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(png).as(Files.readString(dir.resolve("chromium.log"))).exists();

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        long coloured = 0;
        long dark = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80) {
                    coloured++; // chart lines
                }
                if (r + g + b < 200) {
                    dark++; // text
                }
            }
        }
        long sampled = (long) (image.getWidth() / 2) * (image.getHeight() / 2);
        assertThat(coloured).as("chart lines drawn").isGreaterThan(sampled / 1000);
        assertThat(dark).as("text drawn").isGreaterThan(sampled / 500);
    }
}

package dev.fleetsim.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.fleetsim.console.ConsoleServer;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import dev.fleetsim.target.EndpointsFileTarget;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the live console costs a run: the same scenario (N devices take one job) played without the console and with it
 * and a browser-like client reading its stream, in ABBA order so warm-up and drift fall on both; the process's CPU
 * seconds of each after two warm-up rounds, the difference as a share of the run's, and the console loop's own CPU
 * (the steadier figure: the difference carries the rounds' noise, a few percent). The local stack runs in a
 * child process (one process cannot hold both ends of 10,000 connections under this machine's 20,000 open files), so
 * the run's CPU here is the devices' and the runner's only: the console's share of it is the stricter figure.
 */
public final class ConsoleBench {
    /** The figures of one bench. */
    public record Result(
            int devices,
            double cpuWithout,
            double cpuWith,
            double consoleLoopCpu,
            long framesSent,
            long framesSkipped,
            long bytesStreamed) {
        /** The console's extra CPU as a share of the run's without it. */
        public double overhead() {
            return (cpuWith - cpuWithout) / cpuWithout;
        }

        /** The console loop's own CPU as a share of the whole run's. */
        public double loopShare() {
            return consoleLoopCpu / cpuWith;
        }
    }

    private final int devices;
    private final Consumer<String> progress;

    public ConsoleBench(int devices, Consumer<String> progress) {
        this.devices = devices;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("fleetsim-bench-console-");
        Path file = dir.resolve("console-bench.yaml");
        Files.writeString(file, """
                name: console-bench
                seed: 9
                timeout: 10m
                target: {local: {timeScale: 60}}
                fleet: {count: %d, thingNamePattern: "cb-%%06d", connectRate: 5000}
                cohorts:
                  - {name: all, share: 100%%, install: {uniform: [1m, 4m]}}
                jobs:
                  - jobId: update
                    document: {operation: install, version: 2.0.0}
                """.formatted(devices));
        Scenario scenario = ScenarioLoader.load(file);
        double[] without = new double[2];
        double[] with = new double[2];
        double loop = 0;
        long sent = 0;
        long skipped = 0;
        long streamed = 0;
        // The JIT's first passes, on both paths, counted in neither (the first rounds cost twice the later ones).
        once(scenario, dir.resolve("warm-up-1"), true);
        once(scenario, dir.resolve("warm-up-2"), false);
        boolean[] order = {false, true, true, false};
        int w = 0;
        int wo = 0;
        for (int round = 0; round < order.length; round++) {
            Measured m = once(scenario, dir.resolve("round-" + round), order[round]);
            progress.accept(String.format(
                    "round %d %s console: %.2f CPU-s", round + 1, order[round] ? "with" : "without", m.cpuSeconds));
            if (order[round]) {
                with[w++] = m.cpuSeconds;
                loop += m.loopSeconds;
                sent += m.framesSent;
                skipped += m.framesSkipped;
                streamed += m.bytes;
            } else {
                without[wo++] = m.cpuSeconds;
            }
        }
        return new Result(
                devices, (without[0] + without[1]) / 2, (with[0] + with[1]) / 2, loop / 2, sent, skipped, streamed);
    }

    private record Measured(double cpuSeconds, double loopSeconds, long framesSent, long framesSkipped, long bytes) {}

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private Measured once(Scenario scenario, Path reports, boolean console) throws Exception {
        System.gc();
        // The stack at the scenario's time scale: AWS's default rollout (1,000 a simulated minute) is 1,000 a second.
        try (ChildStack stack = ChildStack.start(List.of("--time-scale", "60"));
                EndpointsFileTarget target = EndpointsFileTarget.open(stack.endpointsFile())) {
            ConsoleServer server = console ? ConsoleServer.start("127.0.0.1", 0) : null;
            AtomicLong bytes = new AtomicLong();
            Thread reader = null;
            try {
                if (server != null) {
                    reader = browser(server, bytes);
                }
                ScenarioRunner runner =
                        new ScenarioRunner(new ScenarioRunner.Options(reports, false, server), line -> {}, o -> {});
                long cpu = processCpuNanos();
                runner.run(scenario, target);
                double seconds = (processCpuNanos() - cpu) / 1e9;
                return server == null
                        ? new Measured(seconds, 0, 0, 0, 0)
                        : new Measured(
                                seconds,
                                server.stats().cpuNanos() / 1e9,
                                server.stats().framesSent(),
                                server.stats().framesSkipped(),
                                bytes.get());
            } finally {
                if (server != null) {
                    server.close();
                }
                if (reader != null) {
                    reader.interrupt();
                }
            }
        }
    }

    /** A client that reads the console's stream as a browser tab would (it counts bytes; drawing is the browser's). */
    private static Thread browser(ConsoleServer server, AtomicLong bytes) {
        Thread t = new Thread(
                () -> {
                    try {
                        HttpResponse<InputStream> r = HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(
                                                        URI.create(server.url().replace("/?", "/events?")))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofInputStream());
                        byte[] buffer = new byte[65_536];
                        try (InputStream in = r.body()) {
                            for (int n; (n = in.read(buffer)) >= 0; ) {
                                bytes.addAndGet(n);
                            }
                        }
                    } catch (Exception stopped) {
                        // the bench closed the console
                    }
                },
                "bench-console-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }
}

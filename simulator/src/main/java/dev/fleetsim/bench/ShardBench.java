package dev.fleetsim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.OperatingSystemMXBean;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import dev.fleetsim.shard.Coordinator;
import dev.fleetsim.shard.LocalShards;
import dev.fleetsim.target.EndpointsFileTarget;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A sharded run's throughput and its coordinator's cost: the same job (every device takes it; AWS's largest rollout
 * rate, 1,000 a simulated minute, at a time scale that keeps it above what the stack completes) played once by one
 * process with {@code baselineDevices}, and once by a coordinator with {@code shards} device processes holding {@code
 * devices} between them, each against a fresh local stack in a child process (the same stack for both, so the figure is
 * the sharding's). Executions per second are the job's executions over the service's span from creation to completion
 * (real seconds: simulated over the scale). The coordinator's share is its process's CPU (runner, shard protocol,
 * merging) over every process's (coordinator, shards, stack) from the barrier to the end, the job's whole life. Both
 * are measured after a warm-up round of each kind at a fifth of the size.
 */
public final class ShardBench {
    /** One run's figures. */
    public record Run(int devices, int executions, double jobSeconds, double executionsPerSecond) {}

    /** The bench's figures. */
    public record Result(
            Run baseline, Run sharded, int shards, double coordinatorCpu, double shardsCpu, double stackCpu) {
        public double ratio() {
            return sharded.executionsPerSecond() / baseline.executionsPerSecond();
        }

        public double coordinatorShare() {
            return coordinatorCpu / (coordinatorCpu + shardsCpu + stackCpu);
        }
    }

    private final int devices;
    private final int shards;
    private final int baselineDevices;
    private final double timeScale;
    private final Consumer<String> progress;

    public ShardBench(int devices, int shards, int baselineDevices, double timeScale, Consumer<String> progress) {
        this.devices = devices;
        this.shards = shards;
        this.baselineDevices = baselineDevices;
        this.timeScale = timeScale;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("fleetsim-bench-shards-");
        // The JIT's first passes over both paths (the runner, the SDK, the shard protocol), counted in neither: the
        // measured runs are a few seconds long, and this process is both the single run and the coordinator.
        int warm = Math.max(shards, Math.min(baselineDevices, devices) / 5);
        single(scenario(dir, warm), dir.resolve("warm-up-single"));
        sharded(scenario(dir, warm), dir.resolve("warm-up-sharded"), null);
        progress.accept("warmed up: one single and one sharded run of " + warm + " devices");
        Run baseline = single(scenario(dir, baselineDevices), dir.resolve("single"));
        progress.accept(String.format(
                "one process, %,d devices: %,d executions in %.2f s = %,.0f executions/s",
                baseline.devices(), baseline.executions(), baseline.jobSeconds(), baseline.executionsPerSecond()));
        return sharded(scenario(dir, devices), dir.resolve("sharded"), baseline);
    }

    private Path scenario(Path dir, int count) throws Exception {
        Path file = dir.resolve("shard-bench-" + count + ".yaml");
        Files.writeString(file, """
                name: shard-bench-%d
                seed: 5
                timeout: 10m
                target: {local: {timeScale: %s}}
                fleet: {count: %d, thingNamePattern: "sb-%%06d", connectRate: 3000}
                cohorts:
                  - {name: all, share: 100%%, install: 1s}
                jobs:
                  - jobId: update
                    document: {operation: install, version: 2.0.0}
                    jobExecutionsRolloutConfig: {maximumPerMinute: 1000}
                """.formatted(count, timeScale, count));
        return file;
    }

    private ChildStack stack() throws Exception {
        return ChildStack.start(List.of("--time-scale", Double.toString(timeScale)));
    }

    private Run single(Path file, Path reports) throws Exception {
        Scenario scenario = ScenarioLoader.load(file);
        try (ChildStack stack = stack();
                EndpointsFileTarget target = EndpointsFileTarget.open(stack.endpointsFile())) {
            RunReport report = new ScenarioRunner(new ScenarioRunner.Options(reports, false), line -> {}, o -> {})
                    .run(scenario, target);
            return figures(scenario, report);
        }
    }

    private Result sharded(Path file, Path reports, Run baseline) throws Exception {
        Scenario scenario = ScenarioLoader.load(file);
        double[] atBarrier = new double[3];
        try (ChildStack stack = stack();
                EndpointsFileTarget target = EndpointsFileTarget.open(stack.endpointsFile());
                Coordinator coordinator = Coordinator.start(
                        scenario, new Coordinator.Settings(shards, "127.0.0.1", 0, Duration.ofMinutes(3), reports))) {
            LocalShards children =
                    LocalShards.start(file, shards, coordinator.localUrl(), reports, List.of(), 0, progress);
            RunReport report;
            try {
                ScenarioRunner runner = new ScenarioRunner(
                        new ScenarioRunner.Options(reports, false, null, coordinator),
                        line -> {
                            if (line.startsWith("devices ready")) {
                                atBarrier[0] = processCpuSeconds();
                                atBarrier[1] = coordinator.shardCpuSeconds();
                                atBarrier[2] = cpuSeconds(stack.process());
                            }
                        },
                        o -> {});
                report = runner.run(scenario, target);
            } finally {
                children.close();
            }
            double coordinatorCpu = processCpuSeconds() - atBarrier[0];
            double stackCpu = cpuSeconds(stack.process()) - atBarrier[2];
            double shardsCpu = coordinator.shardCpuSeconds() - atBarrier[1];
            Run run = figures(scenario, report);
            if (baseline == null) {
                return null; // a warm-up
            }
            progress.accept(String.format(
                    "%d shards, %,d devices: %,d executions in %.2f s = %,.0f executions/s",
                    shards, run.devices(), run.executions(), run.jobSeconds(), run.executionsPerSecond()));
            return new Result(baseline, run, shards, coordinatorCpu, shardsCpu, stackCpu);
        }
    }

    private Run figures(Scenario scenario, RunReport report) {
        JsonNode job = report.json().path("jobs").get(0);
        if (!job.path("status").asText().equals("COMPLETED")) {
            throw new IllegalStateException(
                    "the bench's job ended " + job.path("status").asText() + ": " + job.path("executions"));
        }
        double simulated = Duration.between(
                                Instant.parse(job.path("createdAt").asText()),
                                Instant.parse(job.path("completedAt").asText()))
                        .toMillis()
                / 1000.0;
        double real = simulated / scenario.timeScale();
        int executions = job.path("executions").path("SUCCEEDED").asInt();
        return new Run(scenario.fleet().count(), executions, real, executions / real);
    }

    private static double processCpuSeconds() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static double cpuSeconds(Process p) {
        return p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }
}

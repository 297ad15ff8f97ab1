package dev.fleetsim.cli;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.scenario.RunResult;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fleetsim run FILE}: runs a scenario against the embedded local stack and prints a summary. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run a scenario against the embedded local stack (broker + IoT Jobs service) and print a"
                + " summary. Exit 0 when every execution SUCCEEDED, 1 otherwise, 2 on bad input.")
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The scenario file (YAML), e.g. scenarios/quickstart.yaml.")
    Path file;

    @Option(
            names = "--mqtt-port",
            paramLabel = "PORT",
            defaultValue = "0",
            description = "Port of the embedded broker's MQTT listener; 0 (default) picks a free one.")
    int mqttPort;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address the local stack binds to (default ${DEFAULT-VALUE}).")
    String bindAddress;

    @Override
    public Integer call() throws Exception {
        if (mqttPort < 0 || mqttPort > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mqtt-port must be 0-65535");
        }
        Scenario scenario = ScenarioLoader.load(file);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                "fleetsim run %s: scenario '%s', %d devices, %d job%s%n",
                file,
                scenario.name(),
                scenario.fleet().count(),
                scenario.jobs().size(),
                scenario.jobs().size() == 1 ? "" : "s");
        out.flush();
        ScenarioRunner runner = new ScenarioRunner(
                LocalStackConfig.ephemeral().withBindAddress(bindAddress).withMqttPort(mqttPort), line -> {
                    out.println("  " + line);
                    out.flush();
                });
        RunResult result = runner.run(scenario);
        printSummary(out, result);
        return result.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static void printSummary(PrintWriter out, RunResult result) {
        out.println();
        out.println("summary");
        out.printf(
                "  devices ready      %d/%d%n",
                result.devicesReady(), result.scenario().fleet().count());
        for (RunResult.JobResult job : result.jobs()) {
            out.printf("  job %s: %s%n", job.job().jobId(), job.job().status());
            StringBuilder counts = new StringBuilder();
            for (Map.Entry<JobExecutionStatus, Integer> e :
                    job.job().executionCounts().entrySet()) {
                counts.append(String.format("%s %d  ", e.getKey(), e.getValue()));
            }
            out.printf(
                    "    executions       %s(of %d targets)%n",
                    counts, job.job().targetCount());
            RunResult.LatencySummary l = job.createdToSucceededMillis();
            out.printf(
                    "    created -> SUCCEEDED  p50 %.0f ms  p99 %.0f ms  max %.0f ms  (%d samples)%n",
                    l.p50(), l.p99(), l.max(), l.count());
        }
        out.printf("  wall time          %.1f s%n", result.wallTime().toMillis() / 1000.0);
        if (result.timedOut()) {
            out.printf(
                    "  result             FAIL: not every execution was terminal within %s%n",
                    result.scenario().timeout());
        } else {
            out.printf(
                    "  result             %s%n",
                    result.passed() ? "PASS: every execution SUCCEEDED" : "FAIL: not every execution SUCCEEDED");
        }
        out.flush();
    }
}

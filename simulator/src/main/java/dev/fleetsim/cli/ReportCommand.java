package dev.fleetsim.cli;

import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.shard.ReportMerge;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fleetsim report merge DIR...}: one report from a sharded run's coordinator and shard folders. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Work with run reports.",
        subcommands = {ReportCommand.Merge.class})
final class ReportCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say what to do: fleetsim report merge DIR...");
    }

    @Command(
            name = "merge",
            mixinStandardHelpOptions = true,
            description = "Merge a sharded run's results into one report.json and report.html: counts summed, latency"
                    + " histograms merged exactly, each shard's own figures in a section, shards without results"
                    + " named. DIR is a coordinator's report folder (its report.json and shards/) or a shard's"
                    + " (results.json), e.g. the pods' volumes.")
    static final class Merge implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "1..*", description = "Report folders of the coordinator and shards")
        List<Path> dirs;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                required = true,
                description = "Where the merged report.json and report.html go")
        Path out;

        @Override
        public Integer call() throws Exception {
            ReportMerge.Result merged;
            try {
                merged = ReportMerge.merge(dirs);
            } catch (IllegalArgumentException e) {
                throw new UserInputException(e.getMessage());
            }
            RunReport.write(merged.report(), out);
            PrintWriter w = spec.commandLine().getOut();
            var shards = merged.report().path("shards");
            var e2e = merged.report().path("phases").path("end-to-end");
            w.printf(
                    "merged %d shard%s: %d MQTT connects, end to end %d samples (p50 %.0f ms, p99 %.0f ms)%n",
                    shards.path("count").asInt(),
                    shards.path("count").asInt() == 1 ? "" : "s",
                    merged.report().path("mqtt").path("connects").asLong(),
                    e2e.path("count").asLong(),
                    e2e.path("p50Ms").asDouble(),
                    e2e.path("p99Ms").asDouble());
            merged.notes().forEach(n -> w.println("  note: " + n));
            w.printf("  report: %s%n", out.resolve("report.html"));
            w.flush();
            return ExitCodes.OK;
        }
    }
}

package dev.fleetsim.cli;

import dev.fleetsim.iotcore.Cleanup;
import dev.fleetsim.iotcore.Discovery;
import dev.fleetsim.iotcore.IotCoreTarget;
import dev.fleetsim.iotcore.ResourceJournal;
import dev.fleetsim.target.IotCoreSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.iot.IotClient;

/** {@code fleetsim cleanup}: deletes what an IoT Core run made, from its record or by its run id. */
@Command(
        name = "cleanup",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Delete what a run against AWS IoT Core made: from REPORT_DIR's resources.json (complete even"
                + " after a crash), or everything named after --run-id. Idempotent: run it again to finish.")
final class CleanupCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            paramLabel = "REPORT_DIR",
            arity = "0..1",
            description = "The run's report folder (or its resources.json)")
    Path reportDir;

    @Option(names = "--run-id", paramLabel = "ID", description = "Find the run's resources by its id instead")
    String runId;

    @Option(
            names = "--endpoints-file",
            paramLabel = "FILE",
            description = "A strict fleetsim local's endpoints.json (the run played against it)")
    Path endpointsFile;

    @Option(names = "--region", description = "The AWS region (default: the run's, from its record)")
    String region;

    @Option(names = "--profile", description = "A named AWS profile (else the SDK's default chain)")
    String profile;

    @Override
    public Integer call() throws IOException {
        if ((reportDir == null) == (runId == null)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "give REPORT_DIR or --run-id ID (one of them)");
        }
        if (endpointsFile != null && !Files.isRegularFile(endpointsFile)) {
            throw new UserInputException("--endpoints-file " + endpointsFile + ": no such file");
        }
        ResourceJournal.Contents contents = null;
        if (reportDir != null) {
            Path file = Files.isDirectory(reportDir) ? reportDir.resolve(ResourceJournal.FILE) : reportDir;
            if (!Files.isRegularFile(file)) {
                throw new UserInputException(file + ": no such file (was the run against IoT Core?)");
            }
            try {
                contents = ResourceJournal.read(file);
            } catch (IOException | IllegalArgumentException e) {
                throw new UserInputException(file + ": " + e.getMessage());
            }
        }
        IotCoreSettings settings = new IotCoreSettings(
                region, profile, endpointsFile, null, null, null, null, null, null, null, null, null, true, true);
        PrintWriter out = spec.commandLine().getOut();
        IotClient iot;
        try {
            iot = IotCoreTarget.controlPlane(settings, contents == null ? null : contents.region());
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        try (iot) {
            if (contents == null) {
                contents = new Discovery(iot).find(runId);
                out.printf("found %d resources of run %s%n", contents.entries().size(), runId);
            }
            Cleanup.Result result = new Cleanup(iot, line -> {
                        out.println(line);
                        out.flush();
                    })
                    .run(contents);
            out.println("cleanup of run " + contents.runId() + ": " + result);
            out.flush();
            return result.complete() ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}

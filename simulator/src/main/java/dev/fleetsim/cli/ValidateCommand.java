package dev.fleetsim.cli;

import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioException;
import dev.fleetsim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fleetsim validate FILE}: checks a scenario without running it. */
@Command(name = "validate", mixinStandardHelpOptions = true, description = "Check a scenario file without running it.")
final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The scenario file (YAML).")
    Path file;

    @Override
    public Integer call() throws ScenarioException {
        Scenario scenario = ScenarioLoader.load(file);
        spec.commandLine()
                .getOut()
                .printf(
                        "%s: valid (scenario '%s', %d devices, %d job%s)%n",
                        file,
                        scenario.name(),
                        scenario.fleet().count(),
                        scenario.jobs().size(),
                        scenario.jobs().size() == 1 ? "" : "s");
        return ExitCodes.OK;
    }
}

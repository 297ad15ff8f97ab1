package dev.fleetsim.cli;

import dev.fleetsim.net.ProcessDefaults;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fleetsim}: the entry point. */
@Command(
        name = "fleetsim",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Simulates fleets of IoT devices running AWS IoT Jobs and load-tests the systems that roll"
                + " software out to them.",
        subcommands = {
            RunCommand.class,
            LocalCommand.class,
            DevicesCommand.class,
            ValidateCommand.class,
            BenchCommand.class,
            ArtifactCommand.class,
            CleanupCommand.class,
            ReportCommand.class,
            CommandLine.HelpCommand.class
        })
public final class FleetsimCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'fleetsim run FILE'");
    }

    /** A configured command line; tests execute it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new FleetsimCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new UserErrorHandler());
        withVersion(cli, new VersionProvider());
        return cli;
    }

    /** Every subcommand's {@code --version} prints the same as {@code fleetsim --version}. */
    private static void withVersion(CommandLine cli, CommandLine.IVersionProvider version) {
        cli.getCommandSpec().versionProvider(version);
        cli.getSubcommands().values().forEach(sub -> withVersion(sub, version));
    }

    public static void main(String[] args) {
        ProcessDefaults.apply(); // before Netty's TLS and RxJava load
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "fleetsim-logback.xml");
        }
        System.exit(commandLine().execute(args));
    }
}

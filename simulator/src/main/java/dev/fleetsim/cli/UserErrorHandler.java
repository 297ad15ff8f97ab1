package dev.fleetsim.cli;

import dev.fleetsim.local.StateFolderInUseException;
import dev.fleetsim.net.PortUnavailableException;
import dev.fleetsim.scenario.ScenarioException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;

/** User mistakes print one clear message and exit 2; anything else is a bug and keeps its stack trace. */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult)
            throws Exception {
        Throwable cause = unwrap(e);
        if (cause instanceof ScenarioException
                || cause instanceof PortUnavailableException
                || cause instanceof StateFolderInUseException
                || cause instanceof UserInputException) {
            cmd.getErr().println("fleetsim: " + cause.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        if (cause instanceof SdkException sdk) {
            // The service refused or could not be reached: its message says why.
            cmd.getErr().println("fleetsim: " + sdk.getMessage());
            return ExitCodes.FAILED;
        }
        throw e;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof ExecutionException || current instanceof CompletionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}

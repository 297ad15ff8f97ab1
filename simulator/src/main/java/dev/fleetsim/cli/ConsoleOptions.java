package dev.fleetsim.cli;

import dev.fleetsim.console.ConsoleServer;
import dev.fleetsim.local.LocalStackConfig;
import java.io.IOException;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/** {@code --ui}, {@code --ui-port}, {@code --ui-bind}: the live console's options, the same for run and local. */
final class ConsoleOptions {
    @Option(
            names = "--ui",
            description = "Serve the live console in the browser (fleet grid, jobs, rollout, presenter controls);"
                    + " its URL, with its token, is printed.")
    boolean ui;

    @Option(
            names = "--ui-port",
            paramLabel = "PORT",
            defaultValue = "0",
            description = "Port of the live console (default 0: a free one).")
    int port;

    @Option(
            names = "--ui-bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address the live console binds to (default ${DEFAULT-VALUE}); its URL carries a token"
                    + " whatever the address.")
    String bind;

    /** Fails on a port out of range, before anything starts. */
    void check() {
        if (ui && (port < 0 || port > 65_535)) {
            throw new UserInputException("--ui-port must be 0-65535 (0: a free port)");
        }
    }

    /** The console, or null without {@code --ui}; a taken port or an unknown address is one line for the user. */
    ConsoleServer start() throws IOException, InterruptedException {
        if (!ui) {
            return null;
        }
        check();
        try {
            return ConsoleServer.start(bind, port);
        } catch (UnknownHostException e) {
            throw new UserInputException("--ui-bind " + bind + ": not an address of this machine");
        }
    }
}

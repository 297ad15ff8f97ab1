package dev.fleetsim.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A device agent written with an AWS device SDK for Node.js ({@code agent.js} in its folder), its output in a log. */
public final class NodeAgent {
    private NodeAgent() {}

    /** Starts {@code node agent.js args…} in {@code folder}, stdout and stderr to {@code log}. */
    public static Process start(Path folder, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("node", "agent.js"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(folder.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** Waits until the log says {@code text}; fails if the agent exits first or the time runs out. */
    public static void awaitLog(Process agent, Path log, String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.readString(log).contains(text)) {
            assertThat(agent.isAlive()).as(Files.readString(log)).isTrue();
            assertThat(System.nanoTime())
                    .as("'%s' in %s", text, Files.readString(log))
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}

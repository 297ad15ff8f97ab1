package dev.fleetsim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code fleetsim local} in a child process: for benchmarks whose sockets would not fit in one process under the
 * open-files limit (each local connection costs a descriptor at both ends), and for tests that kill the stack with
 * SIGKILL and start it again on the same folder and ports.
 */
public final class ChildStack implements AutoCloseable {
    private final Process process;
    private final Path stateDir;
    private final boolean deleteStateDir;
    private final JsonNode endpoints;

    private ChildStack(Process process, Path stateDir, boolean deleteStateDir, JsonNode endpoints) {
        this.process = process;
        this.stateDir = stateDir;
        this.deleteStateDir = deleteStateDir;
        this.endpoints = endpoints;
    }

    /** A stack on free ports in a temporary folder, state in memory (deleted at close). */
    static ChildStack start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /** As {@link #start()}, with more {@code fleetsim local} options (e.g. {@code --time-scale 60}). */
    static ChildStack start(List<String> more) throws IOException, InterruptedException {
        Path stateDir = Files.createTempDirectory("fleetsim-bench-local-");
        List<String> options = new ArrayList<>(List.of(
                "--ephemeral",
                "--mqtt-port",
                "0",
                "--mqtts-port",
                "-1",
                "--control-plane-port",
                "0",
                "--data-plane-port",
                "0",
                "--s3-port",
                "0"));
        options.addAll(more);
        return start(stateDir, true, options);
    }

    /**
     * {@code fleetsim local --state-dir stateDir options…}; completes when its {@code endpoints.json} is written.
     *
     * @param deleteStateDir whether {@link #close()} deletes the folder
     */
    public static ChildStack start(Path stateDir, boolean deleteStateDir, List<String> options)
            throws IOException, InterruptedException {
        Files.createDirectories(stateDir);
        Path endpointsFile = stateDir.resolve("endpoints.json");
        Files.deleteIfExists(endpointsFile); // a SIGKILLed stack leaves its own behind
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fleetsim.cli.FleetsimCommand",
                "local",
                "--state-dir",
                stateDir.toString()));
        command.addAll(options);
        Path log = stateDir.resolve("local.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(endpointsFile) && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(50);
        }
        if (!Files.exists(endpointsFile)) {
            process.destroyForcibly();
            throw new IllegalStateException("fleetsim local did not start: " + Files.readString(log));
        }
        Thread.sleep(200); // written whole, but let the writer close it
        return new ChildStack(
                process, stateDir, deleteStateDir, JobsJson.mapper().readTree(endpointsFile.toFile()));
    }

    /** The child's {@code endpoints.json}, for an {@link dev.fleetsim.target.EndpointsFileTarget}. */
    public Path endpointsFile() {
        return stateDir.resolve("endpoints.json");
    }

    public JsonNode endpoints() {
        return endpoints;
    }

    public Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook, no snapshot, nothing flushed that was not already on disk. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (deleteStateDir) {
            Folders.deleteRecursively(stateDir);
        }
    }
}

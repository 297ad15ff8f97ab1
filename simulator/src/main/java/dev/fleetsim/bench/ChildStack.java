package dev.fleetsim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code fleetsim local} in a child process on free ports, for benchmarks whose sockets would not fit in one process
 * under the open-files limit (each local connection costs a descriptor at both ends).
 */
final class ChildStack implements AutoCloseable {
    private final Process process;
    private final Path stateDir;
    private final JsonNode endpoints;

    private ChildStack(Process process, Path stateDir, JsonNode endpoints) {
        this.process = process;
        this.stateDir = stateDir;
        this.endpoints = endpoints;
    }

    static ChildStack start() throws IOException, InterruptedException {
        Path stateDir = Files.createTempDirectory("fleetsim-bench-local-");
        Process process = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.fleetsim.cli.FleetsimCommand",
                        "local",
                        "--state-dir",
                        stateDir.toString(),
                        "--mqtt-port",
                        "0",
                        "--mqtts-port",
                        "-1",
                        "--control-plane-port",
                        "0",
                        "--data-plane-port",
                        "0",
                        "--s3-port",
                        "0")
                .redirectErrorStream(true)
                .redirectOutput(stateDir.resolve("local.log").toFile())
                .start();
        Path endpointsFile = stateDir.resolve("endpoints.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(endpointsFile) && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(100);
        }
        if (!Files.exists(endpointsFile)) {
            process.destroyForcibly();
            throw new IllegalStateException("fleetsim local did not start; see " + stateDir.resolve("local.log"));
        }
        Thread.sleep(200); // written whole, but let the writer close it
        return new ChildStack(process, stateDir, JobsJson.mapper().readTree(endpointsFile.toFile()));
    }

    /** The child's {@code endpoints.json}. */
    JsonNode endpoints() {
        return endpoints;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Folders.deleteRecursively(stateDir);
    }
}

package dev.fleetsim.shard;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code fleetsim run FILE --shards N} on one machine: the N device shards as child processes of the coordinator, each
 * the very command a pod of the Indexed Job runs ({@code run FILE --role devices --shard i/N --coordinator URL}), so one
 * machine passes its per-process open-files limit and tests the path pods take. Like Kubernetes with
 * {@code backoffLimitPerIndex}, a shard that exits with an error (or is killed) is started again under the same index,
 * up to {@code maxRestarts} times; each one's output goes to {@code shards/shard-i.log}. One stopped by SIGINT or SIGTERM (Ctrl-C
 * reaches the whole process group) is not.
 */
public final class LocalShards implements AutoCloseable {
    private final List<String> base;
    private final int count;
    private final Path dir;
    private final int maxRestarts;
    private final Consumer<String> out;
    private final Process[] processes;
    private final int[] restarts;
    private final boolean[] gaveUp;
    private final Thread watcher;
    private volatile boolean closing;

    private LocalShards(List<String> base, int count, Path dir, int maxRestarts, Consumer<String> out) {
        this.base = base;
        this.count = count;
        this.dir = dir;
        this.maxRestarts = maxRestarts;
        this.out = out;
        this.processes = new Process[count];
        this.restarts = new int[count];
        this.gaveUp = new boolean[count];
        this.watcher = new Thread(this::watch, "fleetsim-local-shards");
        this.watcher.setDaemon(true);
    }

    /**
     * Starts {@code count} shards of {@code scenarioFile} against {@code coordinator}; their report folders are
     * {@code reportDir/shards/shard-i}.
     *
     * @param jvmOptions options for each shard's JVM (e.g. {@code -Xmx1g})
     */
    public static LocalShards start(
            Path scenarioFile,
            int count,
            URI coordinator,
            Path reportDir,
            List<String> jvmOptions,
            int maxRestarts,
            Consumer<String> out)
            throws IOException {
        List<String> base = new ArrayList<>();
        base.add(ProcessHandle.current().info().command().orElse("java"));
        base.addAll(jvmOptions);
        base.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fleetsim.cli.FleetsimCommand",
                "run",
                scenarioFile.toString(),
                "--role",
                "devices",
                "--coordinator",
                coordinator.toString(),
                "--metrics-port", // /ready, /metrics and /results on a free loopback port, printed in the shard's log
                "0"));
        Path dir = reportDir.resolve("shards");
        Files.createDirectories(dir);
        LocalShards shards = new LocalShards(base, count, dir, maxRestarts, out);
        for (int i = 0; i < count; i++) {
            shards.processes[i] = shards.launch(i);
        }
        shards.watcher.start();
        out.accept("started " + count + " device shard processes (logs in " + dir + ")");
        return shards;
    }

    private Process launch(int i) throws IOException {
        List<String> command = new ArrayList<>(base);
        command.addAll(List.of(
                "--shard",
                i + "/" + count,
                "--report-dir",
                dir.resolve("shard-" + i).toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("shard-" + i + ".log").toFile()))
                .start();
    }

    /** The process now running shard {@code i} (a test kills it to see the restart). */
    public synchronized Process process(int i) {
        return processes[i];
    }

    /** How many times shard {@code i} was started again. */
    public synchronized int restarts(int i) {
        return restarts[i];
    }

    private void watch() {
        while (!closing) {
            synchronized (this) {
                for (int i = 0; i < count; i++) {
                    Process p = processes[i];
                    if (p.isAlive() || closing) {
                        continue;
                    }
                    int code = p.exitValue();
                    if (code == 130 || code == 143) {
                        // SIGINT or SIGTERM: Ctrl-C reaches the whole process group, or someone stopped it on purpose.
                        if (!gaveUp[i]) {
                            gaveUp[i] = true;
                            out.accept(
                                    "shard " + i + " was stopped by a signal (exit " + code + "); not restarting it");
                        }
                        continue;
                    }
                    if (code == 0 || restarts[i] >= maxRestarts) {
                        if (code != 0 && !gaveUp[i]) {
                            gaveUp[i] = true;
                            out.accept("shard " + i + " exited with code " + code + " and has used its " + maxRestarts
                                    + " restarts; it stays down (see " + dir.resolve("shard-" + i + ".log") + ")");
                        }
                        continue;
                    }
                    restarts[i]++;
                    out.accept("shard " + i + " exited with code " + code + "; starting it again (restart "
                            + restarts[i] + " of " + maxRestarts + ")");
                    try {
                        processes[i] = launch(i);
                    } catch (IOException e) {
                        out.accept("shard " + i + " could not be started again: " + e.getMessage());
                    }
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits for the shards to end after the coordinator's stop (30 s), then stops what is left. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        watcher.interrupt();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Process p : processes) {
            long left = deadline - System.nanoTime();
            if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}

package dev.fleetsim.bench;

import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.Folders;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.CreateJobSpec;
import dev.fleetsim.local.jobs.JobView;
import dev.fleetsim.local.jobs.JobsOutbound;
import dev.fleetsim.local.jobs.JobsService;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What durability costs and how fast it recovers.
 *
 * <ul>
 *   <li>Throughput: devices in closed loops of UpdateJobExecution (IN_PROGRESS with a new {@code statusDetails}
 *       each time, so every request changes state), against the same stack keeping its state in memory, same run,
 *       same concurrency; rounds alternate so drift affects both. Beside it, the disk's own ceiling: synced
 *       appends per second from one thread. One unmeasured round of each mode warms both up first.
 *   <li>Recovery: a state folder holding {@code executions} executions, read back by a new service, from the journal
 *       (as after SIGKILL) and from the snapshot (as after a clean stop).
 * </ul>
 */
public final class DurabilityBench {
    /** The figures of one run. */
    public record Result(
            int devices,
            double seconds,
            List<Double> memoryPerSecond,
            List<Double> durablePerSecond,
            double fsyncsPerSecond,
            int executions,
            long journalBytes,
            long recoverJournalMillis,
            long snapshotBytes,
            long recoverSnapshotMillis) {
        public double ratio() {
            return Median.of(durablePerSecond) / Median.of(memoryPerSecond);
        }
    }

    private static final JobsOutbound NOWHERE = new JobsOutbound() {
        @Override
        public void toClient(String clientId, String topic, byte[] payload) {}

        @Override
        public void publish(String topic, byte[] payload) {}
    };

    private final int devices;
    private final double seconds;
    private final int rounds;
    private final int executions;
    private final Consumer<String> progress;

    public DurabilityBench(int devices, double seconds, int rounds, int executions, Consumer<String> progress) {
        this.devices = devices;
        this.seconds = seconds;
        this.rounds = rounds;
        this.executions = executions;
        this.progress = progress;
    }

    public Result run() throws Exception {
        double fsyncs = fsyncsPerSecond();
        progress.accept(String.format("disk: %.0f synced 200-byte appends per second from one thread", fsyncs));
        List<Double> memory = new ArrayList<>();
        List<Double> durable = new ArrayList<>();
        // An unmeasured round of each mode first: the JIT and the broker's pools warm up for both alike.
        updatesPerSecond(false);
        updatesPerSecond(true);
        progress.accept("warmed up (one unmeasured round of each mode)");
        for (int round = 1; round <= rounds; round++) {
            memory.add(updatesPerSecond(false));
            progress.accept(String.format("round %d, state in memory: %.0f updates/s", round, memory.get(round - 1)));
            durable.add(updatesPerSecond(true));
            progress.accept(String.format("round %d, durable state:   %.0f updates/s", round, durable.get(round - 1)));
        }
        long[] recovery = executions > 0 ? recovery() : new long[4];
        return new Result(
                devices,
                seconds,
                memory,
                durable,
                fsyncs,
                executions,
                recovery[0],
                recovery[1],
                recovery[2],
                recovery[3]);
    }

    /** Synced appends per second: the ceiling of a journal that synced every request alone. */
    private static double fsyncsPerSecond() throws IOException {
        Path file = Files.createTempFile("fleetsim-fsync-", ".bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] line = new byte[200];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long n = 0;
            long start = System.nanoTime();
            while (System.nanoTime() < end) {
                out.write(ByteBuffer.wrap(line));
                out.force(false);
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private double updatesPerSecond(boolean durableState) throws Exception {
        Path state = Files.createTempDirectory("fleetsim-bench-durable-");
        LocalStackConfig config = LocalStackConfig.ephemeral().toBuilder()
                .stateDir(state)
                .durable(durableState)
                .mqttsPort(LocalStackConfig.DISABLED)
                .build();
        EventLoopGroup group = EventLoops.create(EventLoops.defaultThreads(), "bench-device");
        try (LocalStack stack = LocalStack.start(config).get(60, TimeUnit.SECONDS)) {
            List<String> things = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                things.add(String.format("durable-%05d", i));
            }
            stack.jobs().registerThings(things).get(60, TimeUnit.SECONDS);
            String fleet = stack.jobs().createGroup("bench-fleet", things).get(60, TimeUnit.SECONDS);
            stack.jobs()
                    .createJob(new CreateJobSpec("bench-job", List.of(fleet), "{\"operation\":\"bench\"}", null))
                    .get(60, TimeUnit.SECONDS);
            List<RequestLoop> loops = new ArrayList<>();
            List<CompletableFuture<?>> connects = new ArrayList<>();
            for (String thing : things) {
                RequestLoop loop = new RequestLoop(
                        thing, group.next(), group, stack.mqttPort(), List.of(JobsTopic.prefix(thing) + "/+/update/+"));
                loops.add(loop);
                connects.add(loop.connect());
            }
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            LongAdder completed = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            for (int i = 0; i < loops.size(); i++) {
                String topic = JobsTopic.update(things.get(i), "bench-job").toString();
                loops.get(i)
                        .start(
                                n -> new RequestLoop.Request(
                                        topic,
                                        "{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"progress\":\"" + n
                                                + "\"},\"clientToken\":\"" + n + "\"}"),
                                completed,
                                running);
            }
            Thread.sleep((long) (seconds * 250));
            long before = completed.sum();
            long start = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            double rate = (completed.sum() - before) / ((System.nanoTime() - start) / 1e9);
            running.set(false);
            Thread.sleep(300);
            for (RequestLoop loop : loops) {
                loop.disconnect();
            }
            return rate;
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            Folders.deleteRecursively(state);
        }
    }

    /** Builds {@link #executions} executions in a durable folder, then times two recoveries of it. */
    private long[] recovery() throws Exception {
        Path state = Files.createTempDirectory("fleetsim-bench-recovery-");
        Path crashed = Files.createTempDirectory("fleetsim-bench-crashed-");
        try {
            // A time-scaled stack rolls 100,000 executions out in seconds (1,000 a simulated minute).
            VirtualClock clock = new VirtualClock(3600);
            LocalStackConfig config = LocalStackConfig.ephemeral().toBuilder()
                    .stateDir(state)
                    .durable(true)
                    .clock(clock)
                    .mqttsPort(LocalStackConfig.DISABLED)
                    .build();
            try (LocalStack stack = LocalStack.start(config).get(60, TimeUnit.SECONDS)) {
                List<String> things = new ArrayList<>();
                for (int i = 0; i < executions; i++) {
                    things.add(String.format("r-%06d", i));
                }
                stack.jobs().registerThings(things).get(300, TimeUnit.SECONDS);
                String fleet = stack.jobs().createGroup("everyone", things).get(300, TimeUnit.SECONDS);
                stack.jobs()
                        .createJob(new CreateJobSpec("big", List.of(fleet), "{\"operation\":\"install\"}", null))
                        .get(60, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                int queued = 0;
                while (queued < executions && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    Optional<JobView> view = stack.jobs().describeJob("big").get(60, TimeUnit.SECONDS);
                    queued = view.map(v -> v.executionCounts().values().stream()
                                    .mapToInt(Integer::intValue)
                                    .sum())
                            .orElse(0);
                }
                progress.accept(String.format("%,d executions queued", queued));
                stack.jobs().describeJob("big").get(60, TimeUnit.SECONDS); // everything before is durable
                copyFolder(state.resolve("jobs"), crashed); // the folder as SIGKILL would leave it
            }
            long journalBytes = size(crashed.resolve("journal.log"));
            long fromJournal = recoverMillis(crashed, clock);
            progress.accept(String.format(
                    "recovery from the journal (%,d bytes, as after SIGKILL): %d ms", journalBytes, fromJournal));
            long snapshotBytes = size(state.resolve("jobs").resolve("snapshot.log"));
            long fromSnapshot = recoverMillis(state.resolve("jobs"), clock);
            progress.accept(String.format(
                    "recovery from the snapshot (%,d bytes, after a clean stop): %d ms", snapshotBytes, fromSnapshot));
            return new long[] {journalBytes, fromJournal, snapshotBytes, fromSnapshot};
        } finally {
            Folders.deleteRecursively(state);
            Folders.deleteRecursively(crashed);
        }
    }

    private static long recoverMillis(Path journal, Clock clock) {
        JobsService service = new JobsService(JobsService.Config.of(clock).withJournal(journal), NOWHERE);
        try {
            return service.recovery().millis();
        } finally {
            service.close();
        }
    }

    private static long size(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}

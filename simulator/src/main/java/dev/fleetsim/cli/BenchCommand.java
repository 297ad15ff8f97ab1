package dev.fleetsim.cli;

import dev.fleetsim.bench.ConnectCostBench;
import dev.fleetsim.bench.ConsoleBench;
import dev.fleetsim.bench.DownloadBench;
import dev.fleetsim.bench.DurabilityBench;
import dev.fleetsim.bench.FleetBench;
import dev.fleetsim.bench.JobsApiBench;
import dev.fleetsim.bench.MachineFacts;
import dev.fleetsim.bench.Median;
import dev.fleetsim.bench.SetupBench;
import dev.fleetsim.bench.ShardBench;
import dev.fleetsim.scenario.Units;
import dev.fleetsim.target.IotCoreSettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fleetsim bench ...}: performance figures measured against a baseline in the same run. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks, each reported as a ratio to a baseline measured in the same run.",
        subcommands = {
            BenchCommand.JobsApi.class,
            BenchCommand.FleetBenchCommand.class,
            BenchCommand.Connect.class,
            BenchCommand.DownloadBenchCommand.class,
            BenchCommand.Durability.class,
            BenchCommand.Setup.class,
            BenchCommand.Console.class,
            BenchCommand.Shards.class
        })
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing benchmark: try 'fleetsim bench jobs-api'");
    }

    /** {@code fleetsim bench jobs-api}. */
    @Command(
            name = "jobs-api",
            mixinStandardHelpOptions = true,
            description = "Device-API requests per second of the local Jobs service with N connected devices, against"
                    + " the broker's own publish round trip at the same concurrency.")
    static final class JobsApi implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "1000",
                description = "Connected devices (default ${DEFAULT-VALUE}).")
        int devices;

        @Option(
                names = "--seconds",
                defaultValue = "10",
                description = "Measured seconds per phase (default ${DEFAULT-VALUE}).")
        double seconds;

        @Override
        public Integer call() throws Exception {
            if (devices < 1 || seconds <= 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--devices and --seconds must be positive");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println); // what the figures below ran on
            JobsApiBench.Result r = new JobsApiBench(devices, seconds, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run();
            out.printf("jobs-api: %d devices, %.0f s per phase%n", r.devices(), r.seconds());
            out.printf("  broker ceiling (echo round trip)  %,10.0f /s%n", r.baselinePerSecond());
            out.printf("  jobs device API                   %,10.0f /s%n", r.servicePerSecond());
            out.printf("  ratio                             %10.2f%n", r.ratio());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code fleetsim bench setup}. */
    @Command(
            name = "setup",
            mixinStandardHelpOptions = true,
            description = "Fleet setup on the IoT Core path against a strict local stack at IoT Core's default quotas:"
                    + " devices made per second for each provisioning mode, against the rate the quotas allow (the"
                    + " slowest per-device API's quota); cleanup time beside it.")
    static final class Setup implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "300",
                description = "Devices made per mode (default ${DEFAULT-VALUE}).")
        int devices;

        @Override
        public Integer call() throws Exception {
            if (devices < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--devices must be positive");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println);
            List<SetupBench.Result> results = new SetupBench(devices, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run(List.of(
                            IotCoreSettings.Provisioning.REGISTER_CERTIFICATES,
                            IotCoreSettings.Provisioning.CREATE_KEYS_AND_CERTIFICATE));
            out.printf("setup: %,d devices per mode, strict local stack at IoT Core's default quotas%n", devices);
            for (SetupBench.Result r : results) {
                out.printf(
                        "  %-26s %6.1f devices/s  quota-bound %5.1f/s (%s)  ratio %.2f  setup %.1f s, cleanup %.1f s%n",
                        r.mode().configName(),
                        r.perSecond(),
                        r.boundPerSecond(),
                        r.bound(),
                        r.ratio(),
                        r.setupSeconds(),
                        r.cleanupSeconds());
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code fleetsim bench console}. */
    @Command(
            name = "console",
            mixinStandardHelpOptions = true,
            description = "What the live console costs a run: process CPU of the same run without and with the console"
                    + " and a client reading its stream (ABBA rounds), and the console loop's own CPU.")
    static final class Console implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "10000",
                description = "Devices taking the job (default ${DEFAULT-VALUE}).")
        int devices;

        @Override
        public Integer call() throws Exception {
            if (devices < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--devices must be positive");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println);
            ConsoleBench.Result r = new ConsoleBench(devices, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run();
            out.printf("console: %,d devices take one job, 4 rounds (without, with, with, without)%n", devices);
            out.printf(
                    "  run without the console %.2f CPU-s, with it %.2f CPU-s: overhead %.1f%% (ratio %.3f)%n",
                    r.cpuWithout(), r.cpuWith(), 100 * r.overhead(), r.cpuWith() / r.cpuWithout());
            out.printf(
                    "  console loop %.3f CPU-s = %.2f%% of the run's CPU; %,d frames sent, %,d skipped, %,d bytes"
                            + " streamed%n",
                    r.consoleLoopCpu(),
                    100 * r.loopShare(),
                    r.framesSent() / 2,
                    r.framesSkipped() / 2,
                    r.bytesStreamed() / 2);
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code fleetsim bench shards}. */
    @Command(
            name = "shards",
            mixinStandardHelpOptions = true,
            description = "A sharded run against the single-process one: executions per second of one job through a"
                    + " local stack, for --devices over --shards device processes and for --baseline-devices in one"
                    + " process, and the coordinator's share of all the processes' CPU.")
    static final class Shards implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "15000",
                description = "Devices of the sharded run (default ${DEFAULT-VALUE}).")
        int devices;

        @Option(names = "--shards", defaultValue = "3", description = "Device processes (default ${DEFAULT-VALUE}).")
        int shards;

        @Option(
                names = "--baseline-devices",
                defaultValue = "5000",
                description = "Devices of the single-process run (default ${DEFAULT-VALUE}).")
        int baselineDevices;

        @Option(
                names = "--time-scale",
                defaultValue = "600",
                description = "The stack's time scale (default ${DEFAULT-VALUE}: AWS's top rollout rate, 1,000 a"
                        + " simulated minute, is 10,000 a real second).")
        double timeScale;

        @Override
        public Integer call() throws Exception {
            if (devices < 1 || shards < 1 || baselineDevices < 1 || !(timeScale > 0) || timeScale > 3600) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--devices, --shards and --baseline-devices must be positive, --time-scale above 0 and at"
                                + " most 3600");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println);
            ShardBench.Result r = new ShardBench(devices, shards, baselineDevices, timeScale, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run();
            out.printf(
                    "shards: %,d devices over %d processes vs %,d in one, one job, stack in a child process%n",
                    devices, shards, baselineDevices);
            out.printf(
                    "  executions/s: sharded %,.0f, one process %,.0f: ratio %.2f (goal >= 0.9; the stack and every"
                            + " process share this machine's %d cores)%n",
                    r.sharded().executionsPerSecond(),
                    r.baseline().executionsPerSecond(),
                    r.ratio(),
                    Runtime.getRuntime().availableProcessors());
            out.printf(
                    "  CPU from the barrier to the end: coordinator %.2f s, shards %.2f s, stack %.2f s: coordinator"
                            + " share %.1f%% (goal < 5%%)%n",
                    r.coordinatorCpu(), r.shardsCpu(), r.stackCpu(), 100 * r.coordinatorShare());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code fleetsim bench durability}. */
    @Command(
            name = "durability",
            mixinStandardHelpOptions = true,
            description = "Acknowledged device-API updates per second with the local stack's state on disk (journal,"
                    + " group commit) against the same stack keeping it in memory, rounds alternating; the disk's"
                    + " synced appends per second beside it; recovery time of a folder with N executions.")
    static final class Durability implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "200",
                description = "Devices in closed update loops (default ${DEFAULT-VALUE}).")
        int devices;

        @Option(
                names = "--seconds",
                defaultValue = "8",
                description = "Measured seconds per round and mode (default ${DEFAULT-VALUE}).")
        double seconds;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "Rounds, each measuring both modes (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--executions",
                defaultValue = "100000",
                description = "Executions in the folder whose recovery is timed (default ${DEFAULT-VALUE}; 0 skips).")
        int executions;

        @Override
        public Integer call() throws Exception {
            if (devices < 1 || seconds <= 0 || rounds < 1 || executions < 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--devices, --seconds and --rounds must be positive, --executions >= 0");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println); // what the figures below ran on
            DurabilityBench.Result r = new DurabilityBench(devices, seconds, rounds, executions, line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run();
            out.printf("durability: %d devices, %.0f s per round and mode, %d rounds%n", devices, seconds, rounds);
            out.printf(
                    "  state in memory    median %,8.0f updates/s  %s%n",
                    Median.of(r.memoryPerSecond()), rounds(r.memoryPerSecond()));
            out.printf(
                    "  durable state      median %,8.0f updates/s  %s%n",
                    Median.of(r.durablePerSecond()), rounds(r.durablePerSecond()));
            out.printf(
                    "  ratio              %.2f  (disk: %,.0f synced appends/s from one thread)%n",
                    r.ratio(), r.fsyncsPerSecond());
            if (r.executions() > 0) {
                out.printf(
                        "  recovery of %,d executions: %,d ms from the journal (%,d bytes), %,d ms from the"
                                + " snapshot (%,d bytes)%n",
                        r.executions(),
                        r.recoverJournalMillis(),
                        r.journalBytes(),
                        r.recoverSnapshotMillis(),
                        r.snapshotBytes());
            }
            out.flush();
            return ExitCodes.OK;
        }

        private static String rounds(List<Double> values) {
            StringBuilder b = new StringBuilder("(");
            for (double v : values) {
                b.append(b.length() == 1 ? "" : ", ").append(String.format("%,.0f", v));
            }
            return b.append(')').toString();
        }
    }

    /** {@code fleetsim bench fleet}. */
    @Command(
            name = "fleet",
            mixinStandardHelpOptions = true,
            description = "Fleet figures: executions completed per second through the local stack, connect rates over"
                    + " TCP and mTLS (against openssl's handshake ceiling), heap per idle device against mosquitto.")
    static final class FleetBenchCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "9000",
                description = "Devices that complete one job with the local stack in this process; each costs two"
                        + " open files here (default ${DEFAULT-VALUE}, under a 20,000 open-files limit; 0 skips).")
        int devices;

        @Option(
                names = "--split-devices",
                defaultValue = "10000",
                description = "Devices that complete one job with the local stack in a second process, driven through"
                        + " the AWS SDK (default ${DEFAULT-VALUE}; 0 skips).")
        int splitDevices;

        @Option(
                names = "--tls-devices",
                defaultValue = "2000",
                description = "Devices connecting over mTLS (default ${DEFAULT-VALUE}; 0 skips).")
        int tlsDevices;

        @Option(
                names = "--idle",
                defaultValue = "10000",
                description = "Idle devices against mosquitto (default ${DEFAULT-VALUE}; 0 skips).")
        int idle;

        @Override
        public Integer call() throws Exception {
            List<String> problems = new ArrayList<>();
            for (var count : List.of(
                    Map.entry("--devices", devices),
                    Map.entry("--split-devices", splitDevices),
                    Map.entry("--tls-devices", tlsDevices),
                    Map.entry("--idle", idle))) {
                if (count.getValue() < 0) {
                    problems.add(count.getKey() + " must be 0 or more (0 skips that part)");
                }
            }
            if (!problems.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println); // what the figures below ran on
            FleetBench bench = new FleetBench(line -> {
                out.println("  " + line);
                out.flush();
            });
            if (devices > 0) {
                bench.completion(devices);
            }
            if (splitDevices > 0) {
                bench.completionTwoProcesses(splitDevices);
            }
            if (tlsDevices > 0) {
                bench.tls(tlsDevices);
            }
            if (idle > 0) {
                bench.idle(idle);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code fleetsim bench connect}. */
    @Command(
            name = "connect",
            mixinStandardHelpOptions = true,
            description = "CPU-seconds the device side spends per 1,000 connects (plain TCP, and mutual TLS with"
                    + " ECDSA P-256 per TLS provider), with the fleet and mosquitto pinned to different cores, against"
                    + " raw sockets and openssl s_time on the same core.")
    static final class Connect implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "5000",
                description = "Devices connecting over plain TCP per round (default ${DEFAULT-VALUE}; 0 skips).")
        int devices;

        @Option(
                names = "--tls-devices",
                defaultValue = "1000",
                description = "Devices connecting over mutual TLS per round and provider (default ${DEFAULT-VALUE};"
                        + " 0 skips).")
        int tlsDevices;

        @Option(
                names = "--warmups",
                defaultValue = "2",
                description =
                        "Unmeasured rounds first, at least this many, then until the JIT takes under 5%% of a round (at most 10;"
                                + " default ${DEFAULT-VALUE}; 0 skips the warm-up).")
        int warmups;

        @Option(
                names = "--rounds",
                defaultValue = "5",
                description = "Measured rounds; the median is reported (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--providers",
                split = ",",
                defaultValue = "openssl,jdk",
                description = "Device TLS providers to measure, each in its own process: openssl (netty-tcnative),"
                        + " jdk (default ${DEFAULT-VALUE}).")
        List<String> providers;

        @Override
        public Integer call() throws Exception {
            List<String> problems = new ArrayList<>();
            if (devices < 0 || tlsDevices < 0) {
                problems.add("--devices and --tls-devices must be 0 or more");
            }
            if (rounds < 1) {
                problems.add("--rounds must be at least 1");
            }
            if (warmups < 0) {
                problems.add("--warmups must be 0 or more");
            }
            for (String p : providers) {
                if (!p.equals("openssl") && !p.equals("jdk")) {
                    problems.add("--providers: unknown provider '" + p + "' (openssl, jdk)");
                }
            }
            if (!problems.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println);
            boolean ok = new ConnectCostBench(line -> {
                        out.println("  " + line);
                        out.flush();
                    })
                    .run(new ConnectCostBench.Settings(devices, tlsDevices, warmups, rounds), providers);
            return ok ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    /** {@code fleetsim bench download}. */
    @Command(
            name = "download",
            mixinStandardHelpOptions = true,
            description = "Verified download throughput at several concurrencies against 'curl -s URL | sha256sum'"
                    + " pipelines on the same store and the machine's SHA-256 ceiling; a large artifact in a small"
                    + " heap; many shaped devices at once.")
    static final class DownloadBenchCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--size",
                defaultValue = "8MiB",
                converter = LocalCommand.SizeConverter.class,
                description = "Artifact size for the throughput runs (default ${DEFAULT-VALUE}).")
        long size;

        @Option(
                names = "--concurrency",
                split = ",",
                defaultValue = "1,16,256,1000",
                description =
                        "Concurrent devices (and curl pipelines) per run (default ${DEFAULT-VALUE}; empty skips).")
        List<Integer> concurrency;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "Measured rounds per concurrency, fleetsim and both pipelines interleaved; the median is"
                        + " reported (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(
                names = "--large",
                defaultValue = "1GiB",
                converter = LocalCommand.SizeConverter.class,
                description = "Artifact fetched by a child JVM with --large-heap (default ${DEFAULT-VALUE}; 0 skips).")
        long large;

        @Option(
                names = "--large-heap",
                defaultValue = "64",
                description = "Heap of that child JVM in MiB (default ${DEFAULT-VALUE}).")
        int largeHeap;

        @Option(
                names = "--shaped-devices",
                defaultValue = "10000",
                description = "Devices downloading at once, each shaped to --shaped-rate (default ${DEFAULT-VALUE}; 0"
                        + " skips).")
        int shapedDevices;

        @Option(
                names = "--shaped-size",
                defaultValue = "256KiB",
                converter = LocalCommand.SizeConverter.class,
                description = "Artifact size for the shaped run (default ${DEFAULT-VALUE}).")
        long shapedSize;

        @Option(
                names = "--shaped-rate",
                defaultValue = "1Mbps",
                description = "Bandwidth of each shaped device (default ${DEFAULT-VALUE}).")
        String shapedRate;

        @Override
        public Integer call() throws Exception {
            if (rounds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1");
            }
            PrintWriter out = spec.commandLine().getOut();
            MachineFacts.lines().forEach(out::println); // what the figures below ran on
            long rate;
            try {
                rate = Units.bytesPerSecond(shapedRate);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--shaped-rate: " + e.getMessage());
            }
            try (DownloadBench bench = new DownloadBench(line -> {
                out.println("  " + line);
                out.flush();
            })) {
                List<Integer> levels = concurrency.stream().filter(c -> c > 0).toList();
                if (!levels.isEmpty()) {
                    bench.throughput(size, levels, rounds);
                }
                if (large > 0) {
                    bench.large(large, largeHeap);
                }
                if (shapedDevices > 0) {
                    bench.shaped(shapedDevices, shapedSize, rate);
                }
            }
            return ExitCodes.OK;
        }
    }
}

package dev.fleetsim.cli;

import dev.fleetsim.fleet.Shard;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.shard.Coordinator;
import dev.fleetsim.shard.DeviceShard;
import dev.fleetsim.target.IotCoreSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A sharded run's options ({@code --role}, {@code --shards}, {@code --shard}, {@code --coordinator}…), their checks
 * (every problem at once, and whether this process can hold its part under its open-files limit) and what they start:
 * the coordinator, or a device shard's settings. A mixin of {@code run}.
 */
final class ShardingOptions {
    @Option(
            names = "--role",
            paramLabel = "coordinator|devices",
            description = "A sharded run's part: the coordinator (makes things, groups, artifacts and jobs, waits for"
                    + " --shards N device shards, writes the one report) or one device shard (--shard i/N"
                    + " --coordinator URL). Without --role, --shards N starts the N shards as processes here.")
    String role;

    @Option(
            names = "--shards",
            paramLabel = "N",
            defaultValue = "0",
            description = "Split the fleet over N device shards: with --role coordinator they join from elsewhere"
                    + " (pods); without --role this process starts them as child processes")
    int shards;

    @Option(
            names = "--shard",
            paramLabel = "i/N",
            description = "With --role devices: this process runs the devices whose index modulo N is i")
    String shard;

    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            description = "With --role devices: the coordinator, e.g. http://fleetsim-coordinator:7070")
    String coordinatorUrl;

    @Option(
            names = "--coordinator-port",
            paramLabel = "PORT",
            defaultValue = "0",
            description = "Port the coordinator serves its shards on (default 0: a free one)")
    int coordinatorPort;

    @Option(
            names = "--coordinator-bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address the coordinator serves its shards on (default ${DEFAULT-VALUE}; 0.0.0.0 in a pod)")
    String coordinatorBind;

    @Option(
            names = "--barrier-timeout",
            paramLabel = "DURATION",
            converter = LocalCommand.DurationConverter.class,
            defaultValue = "5m",
            description = "How long the coordinator waits for every shard's devices before the first job (default"
                    + " ${DEFAULT-VALUE}); after it, the run goes on and names the missing shards. With --role devices:"
                    + " how long the shard waits for its coordinator to answer at all (pods may start first)")
    Duration barrierTimeout;

    @Option(
            names = "--grace",
            paramLabel = "DURATION",
            converter = LocalCommand.DurationConverter.class,
            defaultValue = "60s",
            description = "With --role devices: how long a shard goes on without reaching its coordinator, or with"
                    + " none of its devices connected, before it stops with exit 1 (default ${DEFAULT-VALUE})")
    Duration grace;

    @Option(
            names = "--shard-restarts",
            paramLabel = "N",
            defaultValue = "2",
            description = "With --shards N and no --role: how many times a shard process that dies is started again"
                    + " (default ${DEFAULT-VALUE}, as backoffLimitPerIndex)")
    int shardRestarts;

    /** A device shard's settings: these options, and where its report and endpoints go. */
    DeviceShard.Settings shardSettings(Shard slice, Path dir, String metricsBind, int metricsPort) {
        return new DeviceShard.Settings(
                slice, URI.create(coordinatorUrl), grace, barrierTimeout, dir, metricsBind, metricsPort);
    }

    /** Whether this process starts the shards itself ({@code --shards N} without a role). */
    boolean startsLocalShards() {
        return shards > 0 && role == null;
    }

    /**
     * The sharding options, checked together (every problem at once): the slice this process runs as a device shard,
     * or null when it is not one.
     */
    Shard check(Scenario scenario, IotCoreSettings iotCore, boolean ui) {
        List<String> problems = new ArrayList<>();
        Shard slice = null;
        boolean devices = "devices".equals(role);
        if (role != null && !devices && !role.equals("coordinator")) {
            problems.add("--role must be coordinator or devices, not '" + role + "'");
        }
        if (devices) {
            if (shard == null) {
                problems.add("--role devices needs --shard i/N (this process's slice)");
            } else {
                try {
                    slice = Shard.parse(shard);
                } catch (IllegalArgumentException e) {
                    problems.add("--shard: " + e.getMessage());
                }
            }
            if (coordinatorUrl == null) {
                problems.add("--role devices needs --coordinator URL, e.g. http://fleetsim-coordinator:7070");
            } else if (!coordinatorUrl.matches("https?://[^/\\s]+(/.*)?")) {
                problems.add("--coordinator must be an http:// URL, e.g. http://fleetsim-coordinator:7070, not '"
                        + coordinatorUrl + "'");
            }
            if (shards != 0) {
                problems.add("--shards N is the coordinator's; a device shard takes --shard i/N");
            }
        } else {
            if (shard != null || coordinatorUrl != null) {
                problems.add("--shard and --coordinator need --role devices");
            }
            if ("coordinator".equals(role) && shards < 1) {
                problems.add("--role coordinator needs --shards N (N >= 1), the number of device shards");
            }
        }
        if (shards < 0) {
            problems.add("--shards must be 1 or more");
        }
        if (shards > 0 || devices) {
            if (ui) {
                problems.add("--ui shows the devices of one process; a sharded run has none in the coordinator");
            }
            if (iotCore != null || scenario.fleet().tls()) {
                problems.add("a sharded run connects devices over plain MQTT to the local stack: --target iot-core"
                        + " and fleet.tls are not sharded yet (run fleetsim devices --shard i/N against IoT Core)");
            }
        }
        if (shardRestarts < 0) {
            problems.add("--shard-restarts must be 0 or more");
        }
        if (coordinatorPort < 0 || coordinatorPort > 65_535) {
            problems.add("--coordinator-port must be 0-65535");
        }
        if (barrierTimeout.isNegative() || barrierTimeout.isZero() || grace.isNegative() || grace.isZero()) {
            problems.add("--barrier-timeout and --grace must be positive, e.g. 5m");
        }
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join("\n  ", problems)); // every problem, without the whole help
        }
        return slice;
    }

    /** Files a process opens beside its devices' sockets: jars, logs, the stack's listeners and its store. */
    static final int OVERHEAD_FILES = 1_500;

    /**
     * Refuses a run this process cannot hold under its open-files limit, with what to do instead: otherwise the
     * devices past the limit fail with "Too many open files" and the run waits for them until its timeout. A device
     * costs a socket here, and with the embedded stack another one on the broker's side.
     */
    void checkOpenFiles(Scenario scenario, IotCoreSettings iotCore, Shard slice, long limit) {
        int count = scenario.fleet().count();
        long needed;
        String what;
        if (slice != null) {
            needed = (count + slice.count() - 1) / slice.count() + OVERHEAD_FILES / 5;
            what = String.format("this shard's %,d devices", (count + slice.count() - 1) / slice.count());
        } else if (iotCore != null) {
            needed = count + OVERHEAD_FILES / 5;
            what = String.format("%,d devices (one socket each)", count);
        } else if (shards > 0) {
            needed = count + OVERHEAD_FILES; // the broker's side of every device; the devices are in the shards
            what = String.format("the embedded stack's side of %,d devices", count);
        } else {
            needed = 2L * count + OVERHEAD_FILES;
            what = String.format("%,d devices with the embedded stack (a socket at each end)", count);
        }
        if (limit <= 0 || needed <= limit) {
            return;
        }
        String advice;
        if (slice != null || iotCore != null) {
            advice = "raise the limit (ulimit -n), or split the fleet over more shards";
        } else if (shards == 0 && count + OVERHEAD_FILES <= limit) {
            advice = "run it as --shards " + Math.max(2, (int) Math.ceil(count / ((limit - OVERHEAD_FILES) / 2.0)))
                    + " (the devices go to child processes), or raise the limit (ulimit -n)";
        } else {
            advice = "raise the limit (ulimit -n), or run the shards on other machines against a coordinator"
                    + " there with a higher limit";
        }
        throw new UserInputException(String.format(
                "%s need about %,d open files; this process may open %,d: %s", what, needed, limit, advice));
    }

    /** The coordinator of a sharded run, serving its shards; null for a single-process run. */
    Coordinator startCoordinator(Scenario scenario, Path dir, PrintWriter out) {
        if (shards == 0) {
            return null;
        }
        try {
            Coordinator c = Coordinator.start(
                    scenario, new Coordinator.Settings(shards, coordinatorBind, coordinatorPort, barrierTimeout, dir));
            out.printf("  coordinator: %d shards join at http://%s:%d%n", shards, coordinatorBind, c.port());
            out.flush();
            return c;
        } catch (IOException e) {
            throw new UserInputException(
                    "--coordinator-port " + coordinatorPort + " on " + coordinatorBind + ": " + e.getMessage());
        }
    }
}

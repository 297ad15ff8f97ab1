package dev.fleetsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.console.ConsoleServer;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.iotcore.IotCoreTarget;
import dev.fleetsim.iotcore.Plan;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.LocalTarget;
import dev.fleetsim.metrics.ProcessMeters;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import dev.fleetsim.shard.Coordinator;
import dev.fleetsim.shard.DeviceShard;
import dev.fleetsim.shard.LocalShards;
import dev.fleetsim.target.IotCoreSettings;
import dev.fleetsim.target.Target;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fleetsim run FILE}: plays a scenario against the embedded local stack, shows it live, leaves a report. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run a scenario against the embedded local stack (broker, IoT Jobs service, artifact store):"
                + " live progress, then report.json and report.html in the report folder. Exit 0 when every"
                + " expectation holds (without expectations: every execution SUCCEEDED), 1 otherwise, 2 on bad"
                + " input.")
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The scenario file (YAML), e.g. scenarios/quickstart.yaml.")
    Path file;

    @Option(
            names = "--report-dir",
            paramLabel = "DIR",
            description = "Where the report goes (default ./fleetsim-reports/<name>-<timestamp>/).")
    Path reportDir;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            converter = LocalCommand.DurationConverter.class,
            description = "Real time the run lasts, whatever the scenario's duration says (a soak of a chosen length:"
                    + " 8h); series of jobs and actions without times repeat until the end.")
    Duration duration;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "-1",
            description = "Serve the run's Prometheus metrics on 127.0.0.1:PORT/metrics while it runs (0: a free port;"
                    + " default off).")
    int metricsPort;

    @Option(
            names = "--metrics-bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address the metrics endpoint binds to (default ${DEFAULT-VALUE}; 0.0.0.0 in a container).")
    String metricsBind;

    @CommandLine.Mixin
    ConsoleOptions consoleOptions = new ConsoleOptions();

    @Option(
            names = "--mqtt-port",
            paramLabel = "PORT",
            defaultValue = "0",
            description = "Port of the embedded broker's MQTT listener; 0 (default) picks a free one.")
    int mqttPort;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address the local stack binds to (default ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(
            names = "--advertised-host",
            paramLabel = "HOST",
            description = "The host the local stack's clients are told to use (MQTT endpoint, presigned URLs): the"
                    + " coordinator's Service name when shards run in other pods")
    String advertisedHost;

    @CommandLine.Mixin
    ShardingOptions sharding = new ShardingOptions();

    /** Where a run plays. */
    enum TargetKind {
        local,
        iot_core;

        /** picocli spells it iot-core. */
        static TargetKind parse(String text) {
            return switch (text) {
                case "local" -> local;
                case "iot-core", "iotCore" -> iot_core;
                default -> throw new IllegalArgumentException("'" + text + "' is not one of local, iot-core");
            };
        }
    }

    @Option(
            names = "--target",
            paramLabel = "local|iot-core",
            converter = TargetConverter.class,
            description = "Where the run plays: the embedded local stack (default), or AWS IoT Core (the scenario's"
                    + " target.iotCore settings, or --endpoints-file for a strict fleetsim local)")
    TargetKind targetKind;

    static final class TargetConverter implements CommandLine.ITypeConverter<TargetKind> {
        @Override
        public TargetKind convert(String value) {
            return LocalCommand.userValue(TargetKind::parse, value);
        }
    }

    @Option(
            names = "--endpoints-file",
            paramLabel = "FILE",
            description =
                    "With --target iot-core: a strict fleetsim local's endpoints.json; its endpoints, key pair and"
                            + " CA stand in for AWS's")
    Path endpointsFile;

    @Option(names = "--region", description = "With --target iot-core: the AWS region (else the SDK's default chain)")
    String region;

    @Option(names = "--profile", description = "With --target iot-core: a named AWS profile (else the default chain)")
    String profile;

    @Option(
            names = "--provisioning",
            paramLabel = "MODE",
            description = "With --target iot-core: registerCertificates (default), registerCertificatesWithoutCa,"
                    + " createKeysAndCertificate or existing")
    String provisioning;

    @Option(names = "--yes", description = "Proceed against a real AWS account without asking (after the plan)")
    boolean yes;

    @Option(names = "--dry-run", description = "With --target iot-core: print the plan and stop; nothing is made")
    boolean dryRun;

    @Option(
            names = "--no-cleanup",
            description =
                    "With --target iot-core: keep what the run made (fleetsim cleanup REPORT_DIR deletes it later)")
    boolean noCleanup;

    /** The scenario's iotCore settings with this command's options over them; null for a local run. */
    private IotCoreSettings iotCoreSettings(Scenario scenario) {
        IotCoreSettings base = scenario.iotCore();
        boolean wanted = targetKind == TargetKind.iot_core || (targetKind == null && base != null);
        if (!wanted) {
            if (endpointsFile != null || region != null || profile != null || provisioning != null || dryRun) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--endpoints-file, --region, --profile, --provisioning and --dry-run need --target iot-core");
            }
            return null;
        }
        if (base == null) {
            base = new IotCoreSettings(
                    null, null, null, null, null, null, null, null, null, null, null, null, true, false);
        }
        IotCoreSettings.Provisioning mode = base.provisioning();
        if (provisioning != null) {
            mode = IotCoreSettings.Provisioning.of(provisioning);
            if (mode == null) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--provisioning must be one of " + IotCoreSettings.Provisioning.configNames());
            }
        }
        if (endpointsFile != null && !Files.isRegularFile(endpointsFile)) {
            throw new UserInputException("--endpoints-file " + endpointsFile + ": no such file");
        }
        return new IotCoreSettings(
                region != null ? region : base.region(),
                profile != null ? profile : base.profile(),
                endpointsFile,
                base.mqttEndpoint(),
                base.controlPlaneEndpoint(),
                base.jobsDataPlaneEndpoint(),
                base.s3Endpoint(),
                base.trustStore(),
                mode,
                base.existingDevices(),
                base.quotas(),
                base.presignRoleArn(),
                base.cleanup() && !noCleanup,
                base.yes() || yes);
    }

    /**
     * Opens IoT Core after printing the plan; a real account needs {@code --yes}. Null when {@code --dry-run} stops
     * here.
     */
    private IotCoreTarget openIotCore(Scenario scenario, IotCoreSettings settings, Path dir, PrintWriter out)
            throws IOException {
        String regionForQuotas = settings.region() != null ? settings.region() : "us-east-1";
        Plan plan;
        try {
            plan = Plan.of(
                    scenario, settings, ApiQuotas.defaults(regionForQuotas).with(settings.quotas()));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("target.iotCore.quotas: " + e.getMessage());
        }
        plan.print(out);
        if (dryRun) {
            out.println("dry run: nothing was made");
            out.flush();
            return null;
        }
        if (settings.realAccount() && !settings.yes()) {
            throw new UserInputException("this run makes the resources above in your AWS account: add --yes (or"
                    + " target.iotCore.yes: true) to proceed, or --dry-run to see the plan only");
        }
        String runId = IotCoreTarget.newRunId();
        String longest = scenario.fleet().thingName(Math.max(0, scenario.fleet().count() - 1));
        try {
            IotCoreTarget target = IotCoreTarget.open(settings, dir, runId, longest, line -> {
                out.println("  " + line);
                out.flush();
            });
            try {
                target.checkBuckets(scenario.artifacts().stream()
                        .map(Scenario.ArtifactSpec::bucket)
                        .distinct()
                        .toList());
            } catch (IllegalArgumentException e) {
                target.close();
                throw e;
            }
            return target;
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be positive, e.g. 2h");
        }
        if (mqttPort < 0 || mqttPort > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mqtt-port must be 0-65535");
        }
        MetricsEndpoint.check(metricsPort);
        Scenario scenario = ScenarioLoader.load(file, duration);
        IotCoreSettings iotCore = iotCoreSettings(scenario); // before anything that would need undoing
        Shard slice = sharding.check(scenario, iotCore, consoleOptions.ui);
        sharding.checkOpenFiles(scenario, iotCore, slice, ProcessMeters.maxOpenFiles());
        PrintWriter out = spec.commandLine().getOut();
        Path dir = reportDir != null
                ? reportDir
                : Path.of(
                        "fleetsim-reports",
                        scenario.name().replaceAll("[^a-zA-Z0-9_.-]", "-")
                                + (slice != null ? "-shard-" + slice.index() : "") + "-"
                                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        checkReportDir(dir);
        Consumer<String> lines = line -> {
            out.println("  " + line);
            out.flush();
        };
        if (slice != null) {
            DeviceShard.Outcome outcome =
                    DeviceShard.run(scenario, sharding.shardSettings(slice, dir, metricsBind, metricsPort), lines);
            (outcome.exitCode() == 0 ? out : spec.commandLine().getErr()).println(outcome.reason());
            out.flush();
            spec.commandLine().getErr().flush();
            return outcome.exitCode();
        }
        out.printf(
                "fleetsim run %s: scenario '%s', %,d devices, %d job%s, seed %d%n",
                file,
                scenario.name(),
                scenario.fleet().count(),
                scenario.jobs().size(),
                scenario.jobs().size() == 1 ? "" : "s",
                scenario.seed());
        out.flush();
        AtomicReference<MetricsEndpoint> metrics = new AtomicReference<>();
        AtomicReference<Target> current = new AtomicReference<>();
        AtomicReference<ProcessMeters> process = new AtomicReference<>();
        RunObserver.Sink sink = observer -> {
            if (metricsPort >= 0) {
                process.set(ProcessMeters.bind(observer.registry())); // the JVM's own health, beside the fleet's
                metrics.set(serveMetrics(observer, current::get, out));
            }
        };
        RunReport report;
        ConsoleServer console = startConsole(out);
        Coordinator coordinator = sharding.startCoordinator(scenario, dir, out);
        boolean tty = System.console() != null;
        ScenarioRunner runner =
                new ScenarioRunner(new ScenarioRunner.Options(dir, tty, console, coordinator), lines, sink);
        // Ctrl-C (a soak runs until stopped): end the run, write the report, then let the JVM go.
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    runner.requestStop();
                    interrupted.countDown();
                    try {
                        done.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "fleetsim-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        LocalShards children = null;
        try {
            if (coordinator != null && sharding.startsLocalShards()) {
                children = LocalShards.start(
                        file, sharding.shards, coordinator.localUrl(), dir, List.of(), sharding.shardRestarts, lines);
            }
            try (Target target = iotCore != null
                    ? openIotCore(scenario, iotCore, dir, out)
                    : LocalTarget.start(localStack(scenario))) {
                if (target == null) {
                    return ExitCodes.OK; // --dry-run
                }
                current.set(target);
                report = runner.run(scenario, target);
                if (target instanceof IotCoreTarget core) {
                    out.printf(
                            "  IoT Core: %,d control-plane calls, %,d throttled and retried %s%n",
                            core.pacer().calls().values().stream()
                                    .mapToLong(Long::longValue)
                                    .sum(),
                            core.pacer().totalThrottles(),
                            core.pacer().throttles());
                }
            } finally {
                if (metrics.get() != null) {
                    metrics.get().close();
                }
                if (process.get() != null) {
                    process.get().close();
                }
            }
            report.write(dir);
            printSummary(out, report, dir);
            if (console != null && tty) {
                out.println("live console still at " + console.url() + " showing the end of the run; Ctrl-C to exit");
                out.flush();
                interrupted.await();
            }
            return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
        } finally {
            if (children != null) {
                children.close();
            }
            if (coordinator != null) {
                coordinator.close();
            }
            if (console != null) {
                console.close();
            }
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the report is written
            }
        }
    }

    private ConsoleServer startConsole(PrintWriter out) throws IOException, InterruptedException {
        ConsoleServer console = consoleOptions.start();
        if (console != null) {
            out.println("  live console: " + console.url());
            out.flush();
        }
        return console;
    }

    /** The report folder exists or can be made, and can be written, before the run spends its time. */
    private static void checkReportDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserInputException("--report-dir " + dir + " is a file, not a folder");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new UserInputException("--report-dir " + dir + ": cannot create the folder (" + e.getMessage() + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new UserInputException("--report-dir " + dir + ": the folder is not writable");
        }
    }

    /** The embedded stack a scenario's {@code target.local} asks for, on this command's address and port. */
    private LocalStackConfig localStack(Scenario scenario) {
        // The console's presenter may pause the clock or change its speed: it is a virtual one even at 1x.
        Clock clock = scenario.timeScale() == 1 && !consoleOptions.ui
                ? Clock.systemUTC()
                : new VirtualClock(scenario.timeScale());
        return LocalStackConfig.ephemeral().toBuilder()
                .bindAddress(bindAddress)
                .advertisedHost(advertisedHost)
                .mqttPort(mqttPort)
                .mqttsPort(scenario.fleet().tls() ? 0 : LocalStackConfig.DISABLED)
                .clock(clock)
                .rateIncrease(scenario.rolloutRateIncrease())
                .retention(scenario.retention())
                .build();
    }

    /** {@code /metrics}: the run's meters (and the process's), then its target's own (the local stack's). */
    private MetricsEndpoint serveMetrics(RunObserver observer, Supplier<Target> target, PrintWriter out) {
        return MetricsEndpoint.start(
                metricsBind,
                metricsPort,
                () -> {
                    StringBuilder text = new StringBuilder(observer.registry().scrape());
                    Target t = target.get();
                    if (t != null) {
                        t.scrapeMetrics().ifPresent(text::append);
                    }
                    return text.toString();
                },
                out);
    }

    static void printSummary(PrintWriter out, RunReport report, Path dir) {
        JsonNode r = report.json();
        out.println();
        out.println("summary");
        out.printf(
                "  wall time %.1f s real, %.0f s simulated; %d MQTT connects, %d failures%n",
                r.path("realSeconds").asDouble(),
                r.path("simulatedSeconds").asDouble(),
                r.path("mqtt").path("connects").asLong(),
                r.path("mqtt").path("connectFailures").asLong());
        List<JsonNode> created = new ArrayList<>();
        r.path("jobs").forEach(j -> {
            if (!j.path("status").asText().equals("NOT_CREATED")) {
                created.add(j);
            }
        });
        int notCreated = r.path("jobs").size() - created.size();
        if (created.size() > 10) {
            // A long series (a soak): one line for all of them.
            Map<String, Integer> byStatus = new TreeMap<>();
            Map<String, Integer> executions = new TreeMap<>();
            for (JsonNode j : created) {
                byStatus.merge(j.path("status").asText(), 1, Integer::sum);
                j.path("executions")
                        .fields()
                        .forEachRemaining(
                                e -> executions.merge(e.getKey(), e.getValue().asInt(), Integer::sum));
            }
            executions.values().removeIf(n -> n == 0);
            out.printf("  %d jobs: %s; executions %s%n", created.size(), byStatus, executions);
            created.clear();
        }
        if (notCreated > 0) {
            out.printf("  %d jobs were not created before the run ended%n", notCreated);
        }
        for (JsonNode job : created) {
            StringBuilder counts = new StringBuilder();
            job.path("executions").fields().forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    counts.append(e.getKey())
                            .append(' ')
                            .append(e.getValue().asInt())
                            .append("  ");
                }
            });
            out.printf(
                    "  job %s: %s%s  %s(rollout max deviation %d/min)%n",
                    job.path("jobId").asText(),
                    job.path("status").asText(),
                    job.has("reasonCode") ? " (" + job.path("reasonCode").asText() + ")" : "",
                    counts,
                    job.path("rollout").path("maxDeviation").asInt());
        }
        JsonNode e2e = r.path("phases").path("end-to-end");
        out.printf(
                "  end to end (job created -> terminal status%s): p50 %.0f ms  p99 %.0f ms  max %.0f ms  (%d samples)%n",
                r.path("timeScale").asDouble(1) == 1 ? "" : ", simulated",
                e2e.path("p50Ms").asDouble(),
                e2e.path("p99Ms").asDouble(),
                e2e.path("maxMs").asDouble(),
                e2e.path("count").asLong());
        for (RunReport.Check c : report.checks()) {
            out.printf("  %s %s (actual: %s)%n", c.passed() ? "pass" : "FAIL", c.text(), c.actual());
        }
        JsonNode shards = r.path("shards");
        if (!shards.isMissingNode()) {
            out.printf(
                    "  shards: %d, %d restart%s%s%n",
                    shards.path("count").asInt(),
                    shards.path("restarts").asInt(),
                    shards.path("restarts").asInt() == 1 ? "" : "s",
                    shards.path("lost").isEmpty() ? "" : "; lost: shard " + shards.path("lost"));
            for (JsonNode s : shards.path("each")) {
                for (JsonNode restart : s.path("restartLog")) {
                    out.printf(
                            "    shard %d restarted: down %.1f s, its devices back %.1f s after it rejoined%n",
                            s.path("shard").asInt(),
                            restart.path("downSeconds").asDouble(),
                            restart.path("readyAfterSeconds").asDouble());
                }
            }
        }
        out.printf("  report: %s%n", dir.resolve("report.html"));
        if (r.path("stoppedEarly").asBoolean()) {
            out.println("  stopped early (interrupted); the report covers the run so far");
        }
        if (report.timedOut()) {
            out.println("  result: FAIL: the run hit its timeout before every job was done");
        } else {
            out.println("  result: " + (report.passed() ? "PASS" : "FAIL")
                    + (report.checks().isEmpty()
                            ? (report.passed() ? ": every execution SUCCEEDED" : ": not every execution SUCCEEDED")
                            : ""));
        }
        out.flush();
    }
}

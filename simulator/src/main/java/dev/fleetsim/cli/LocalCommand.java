package dev.fleetsim.cli;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.console.ConsoleServer;
import dev.fleetsim.console.StackRun;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.JobsService;
import dev.fleetsim.metrics.ProcessMeters;
import dev.fleetsim.net.PortUnavailableException;
import dev.fleetsim.net.Ports;
import dev.fleetsim.scenario.Units;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fleetsim local}: runs the local stack until interrupted. */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = "Run the local stack (MQTT broker with the IoT Jobs device API, the IoT control plane and the"
                + " jobs data plane) until interrupted. Writes endpoints.json in the state folder.")
final class LocalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            defaultValue = "./.fleetsim/local",
            description = "State folder: CA, artifacts, jobs state, broker files, endpoints.json; one stack at a time"
                    + " (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = LocalStackConfig.LOOPBACK,
            description = "Address every listener binds to (default ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(
            names = "--mqtt-port",
            paramLabel = "PORT",
            defaultValue = "1883",
            description = "Plain MQTT port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int mqttPort;

    @Option(
            names = "--mqtts-port",
            paramLabel = "PORT",
            defaultValue = "8883",
            description = "MQTT over mutual TLS, like IoT Core (default ${DEFAULT-VALUE}; 0 free; -1 off).")
    int mqttsPort;

    @Option(
            names = "--mqtt-alpn-port",
            paramLabel = "PORT",
            defaultValue = "443",
            description = "MQTT over mutual TLS with ALPN x-amzn-mqtt-ca, like IoT Core's 443: the port the AWS IoT"
                    + " Device Client always dials (default ${DEFAULT-VALUE} when this process may bind it, else off"
                    + " with a note; 0 free; -1 off).")
    int alpnPort;

    @Option(
            names = "--status-details-chars",
            paramLabel = "RULE",
            defaultValue = "TEXT",
            description = "Characters a statusDetails value may hold: TEXT (printable text with tab, line feed and"
                    + " carriage return, as the AWS IoT Device Client reports stdout), MODEL (the service model's"
                    + " [^\\p{C}]+) or ANY (default ${DEFAULT-VALUE}).")
    StatusDetailChars statusDetailChars;

    @Option(
            names = "--rollout-rate-increase",
            paramLabel = "WHEN",
            defaultValue = "NEXT_MINUTE",
            description = "When a higher exponential rollout rate applies: NEXT_MINUTE (the rate of a minute is the"
                    + " one at its start, AWS's documented series) or IMMEDIATE (after every notified thing)"
                    + " (default ${DEFAULT-VALUE}).")
    RateIncrease rateIncrease;

    @Option(
            names = "--control-plane-port",
            paramLabel = "PORT",
            defaultValue = "4580",
            description = "AWS IoT control plane, REST-JSON over HTTP (default ${DEFAULT-VALUE}).")
    int controlPlanePort;

    @Option(
            names = "--data-plane-port",
            paramLabel = "PORT",
            defaultValue = "4581",
            description = "Jobs device data plane iot-jobs-data over HTTP (default ${DEFAULT-VALUE}).")
    int dataPlanePort;

    @Option(
            names = "--s3-port",
            paramLabel = "PORT",
            defaultValue = "4582",
            description = "Artifact store speaking the S3 REST API, path-style (default ${DEFAULT-VALUE}).")
    int s3Port;

    @Option(
            names = "--max-object-size",
            paramLabel = "SIZE",
            defaultValue = "5GiB",
            converter = SizeConverter.class,
            description = "Largest object the artifact store accepts (default ${DEFAULT-VALUE}).")
    long maxObjectSize;

    @Option(
            names = "--strict",
            description = "Behave like AWS IoT Core wherever a client could notice: MQTT only over mutual TLS with"
                    + " registered or created certificates (plain MQTT off), SigV4 verified with the stack's own key"
                    + " pair (in endpoints.json), no default policy, IoT Core's API quotas (throttled as AWS throttles) and"
                    + " MQTT limits")
    boolean strict;

    @Option(
            names = "--quota",
            paramLabel = "NAME=RATE",
            description = "With --strict: a quota other than IoT Core's default, per second: an API (CreateThing=50) or"
                    + " connectsPerSecond=200; repeatable")
    Map<String, Double> quotas = new LinkedHashMap<>();

    private ApiQuotas strictQuotas(String region) {
        try {
            return ApiQuotas.defaults(region).with(quotas);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--quota: " + e.getMessage());
        }
    }

    /** A value parsed by {@code parser}, whose complaint becomes picocli's one-line "Invalid value" message. */
    static <T> T userValue(Function<String, T> parser, String value) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Sizes with units: 8MiB, 5GiB, 100kB. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return userValue(Units::bytes, value);
        }
    }

    @Option(
            names = "--time-scale",
            paramLabel = "N",
            defaultValue = "1",
            description = "Simulated seconds per real second for every engine time (rollouts, timers, schedules);"
                    + " 60 makes a simulated minute pass in one second (default ${DEFAULT-VALUE}).")
    double timeScale;

    @Option(
            names = "--region",
            defaultValue = Arns.DEFAULT_REGION,
            description = "Region in ARNs (default ${DEFAULT-VALUE}).")
    String region;

    @Option(
            names = "--account-id",
            defaultValue = Arns.DEFAULT_ACCOUNT,
            description = "Account id in ARNs (default ${DEFAULT-VALUE}).")
    String accountId;

    @Option(
            names = "--device-api-rate",
            paramLabel = "N",
            defaultValue = "0",
            description = "Device-API requests per second before answers become RequestThrottled, as AWS throttles"
                    + " (default ${DEFAULT-VALUE}: unlimited).")
    double deviceApiRate;

    @CommandLine.Mixin
    ConsoleOptions consoleOptions = new ConsoleOptions();

    @Option(
            names = "--ephemeral",
            description = "Keep the control plane's and the device API's state (things, groups, certificates,"
                    + " templates, jobs, executions) in memory only, lost at stop; by default it is kept in the state"
                    + " folder and written before each answer.")
    boolean ephemeral;

    @Option(
            names = "--advertised-host",
            paramLabel = "HOST",
            description = "Host name clients are given in endpoints.json, DescribeEndpoint answers and presigned URLs"
                    + " (default: the --bind address, or 127.0.0.1 with --bind 0.0.0.0); in a container, the name"
                    + " the host or the other containers reach it by.")
    String advertisedHost;

    @Option(
            names = "--retain-completed-jobs",
            paramLabel = "N",
            defaultValue = "1000",
            description =
                    "Finished jobs (COMPLETED or CANCELED, nothing pending) kept with their executions; older ones"
                            + " are removed as by DeleteJob, so a soak's memory stays flat (default ${DEFAULT-VALUE}).")
    int retainCompletedJobs;

    @Option(
            names = "--retain-completed-for",
            paramLabel = "DURATION",
            defaultValue = "90d",
            converter = DurationConverter.class,
            description = "How long a finished job is kept, in the stack's (simulated) time (default"
                    + " ${DEFAULT-VALUE}; AWS keeps them \"for a limited time\" and publishes no figure).")
    Duration retainCompletedFor;

    /** Durations with units: 90d, 12h, 30m. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return userValue(Units::parseDuration, value);
        }
    }

    @Option(
            names = "--events",
            description = "Publish job and job-execution lifecycle events from the start"
                    + " (AWS publishes none until UpdateEventConfigurations enables them).")
    boolean events;

    @Override
    public Integer call() throws Exception {
        checkPort("--mqtt-port", mqttPort, false);
        checkPort("--mqtts-port", mqttsPort, true);
        checkPort("--mqtt-alpn-port", alpnPort, true);
        checkPort("--control-plane-port", controlPlanePort, false);
        checkPort("--data-plane-port", dataPlanePort, false);
        checkPort("--s3-port", s3Port, false);
        if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw new UserInputException("--state-dir " + stateDir + " is a file, not a folder");
        }
        if (!(deviceApiRate >= 0) || Double.isInfinite(deviceApiRate)) {
            throw new UserInputException("--device-api-rate must be 0 (unlimited) or a positive number of requests a"
                    + " second, not " + deviceApiRate);
        }
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--time-scale must be a positive number");
        }
        if (!accountId.matches("\\d{12}")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--account-id must be 12 digits");
        }
        if (retainCompletedJobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--retain-completed-jobs must be at least 1");
        }
        if (retainCompletedFor.isNegative() || retainCompletedFor.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--retain-completed-for must be positive");
        }
        if (!quotas.isEmpty() && !strict) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--quota needs --strict");
        }
        if (strict && mqttsPort == LocalStackConfig.DISABLED) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--strict needs MQTT over TLS: --mqtts-port cannot be -1");
        }
        strictQuotas(region); // a bad --quota fails before anything starts
        consoleOptions.check();
        // With the console, the presenter may pause the clock or change its speed: a virtual one even at 1x.
        Clock clock = timeScale == 1 && !consoleOptions.ui ? Clock.systemUTC() : new VirtualClock(timeScale);
        String alpnNote = null;
        if (alpnPort > 0 && !spec.commandLine().getParseResult().hasMatchedOption("--mqtt-alpn-port")) {
            // The default 443 is taken only where this process may bind it; otherwise say how to get it.
            Optional<PortUnavailableException.Reason> problem = Ports.check(bindAddress, alpnPort);
            if (problem.isPresent()) {
                alpnNote = new PortUnavailableException("MQTT TLS with ALPN", bindAddress, alpnPort, problem.get())
                                .getMessage()
                        + ". MQTT with ALPN is off; --mqtt-alpn-port PORT turns it on elsewhere.";
                alpnPort = LocalStackConfig.DISABLED;
            }
        }
        LocalStackConfig config = new LocalStackConfig(
                bindAddress,
                mqttPort,
                mqttsPort,
                controlPlanePort,
                dataPlanePort,
                stateDir,
                clock,
                new Arns(region, accountId),
                events,
                deviceApiRate,
                s3Port,
                maxObjectSize,
                alpnPort,
                statusDetailChars,
                rateIncrease,
                !ephemeral,
                new Retention(retainCompletedJobs, retainCompletedFor),
                advertisedHost,
                strict ? strictQuotas(region) : null);
        LocalStack stack = LocalStack.start(config).get(60, TimeUnit.SECONDS);
        ProcessMeters.bind(stack.jobs().meterRegistry()); // this process is the stack: its JVM's health on /metrics
        ConsoleServer console;
        StackRun watched;
        try {
            console = consoleOptions.start();
        } catch (RuntimeException e) {
            stack.stop().get(30, TimeUnit.SECONDS);
            throw e;
        }
        if (console != null) {
            watched = StackRun.start(stack);
            console.watch(watched);
        } else {
            watched = null;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (console != null) {
                                console.close();
                                watched.close();
                            }
                            try {
                                stack.stop().get(30, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                // shutting down anyway
                            }
                            stopped.countDown();
                        },
                        "fleetsim-local-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("fleetsim local stack is running (Ctrl-C to stop)");
        if (stack.mqttEndpoint() != null) {
            out.println("  mqtt           " + stack.mqttEndpoint());
        } else {
            out.println("  mqtt           off (--strict: MQTT over mutual TLS only, as on IoT Core)");
        }
        if (stack.mqttsPort() > 0) {
            out.println("  mqtts          ssl://" + config.publicHost() + ":" + stack.mqttsPort()
                    + (strict
                            ? "  (registered or created certificates, any issuer; quotas of IoT Core)"
                            : "  (client certificates from CreateKeysAndCertificate)"));
        }
        if (stack.alpnPort() > 0) {
            out.println("  mqtts + ALPN   ssl://" + config.publicHost() + ":" + stack.alpnPort()
                    + "  (x-amzn-mqtt-ca, as the AWS IoT Device Client expects)");
        } else if (alpnNote != null) {
            out.println("  mqtts + ALPN   off: " + alpnNote);
        }
        out.println("  control plane  " + stack.controlPlaneEndpoint());
        out.println("  jobs data      " + stack.jobsDataPlaneEndpoint());
        out.println("  S3             " + stack.s3Endpoint());
        out.println("  CA certificate " + stack.ca().caCertificateFile());
        JobsService.Recovery recovery = stack.jobs().recovery();
        out.println("  state          " + stack.stateDir().toAbsolutePath().normalize()
                + (recovery == null
                        ? "  (jobs state in memory: --ephemeral)"
                        : String.format(
                                "  (recovered %,d things, %,d jobs, %,d executions in %d ms)",
                                recovery.things(), recovery.jobs(), recovery.executions(), recovery.millis())));
        out.println("  time scale     " + timeScale);
        if (console != null) {
            out.println("  live console   " + console.url());
        }
        out.println("  endpoints      "
                + stack.stateDir().toAbsolutePath().normalize().resolve(LocalStack.ENDPOINTS_FILE));
        out.println();
        out.println("  AWS CLI:  AWS_ACCESS_KEY_ID=" + stack.credentials().accessKeyId() + " AWS_SECRET_ACCESS_KEY="
                + (strict
                        ? "<secretAccessKey in endpoints.json>"
                        : stack.credentials().secretAccessKey())
                + " aws --region " + region + " --endpoint-url " + stack.controlPlaneEndpoint() + " iot list-things");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }

    private void checkPort(String option, int port, boolean mayDisable) {
        if ((port < 0 && !(mayDisable && port == -1)) || port > 65_535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + " must be 0-65535" + (mayDisable ? " or -1" : ""));
        }
    }
}

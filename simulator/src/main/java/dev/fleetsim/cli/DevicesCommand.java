package dev.fleetsim.cli;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.metrics.ProcessMeters;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.TlsProvider;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.scenario.Units;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fleetsim devices}: a fleet of virtual devices against any MQTT broker (devices-only load runs). */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = "Connect a fleet of virtual devices to an MQTT broker and run the device side of IoT Jobs until"
                + " interrupted (or for --duration). Prints a status line every 5 seconds.")
final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--endpoint",
            required = true,
            paramLabel = "URL",
            description = "tcp://host:port or ssl://host:port")
    String endpoint;

    @Option(names = "--count", required = true, description = "Devices in the whole fleet (before --shard).")
    int count;

    @Option(
            names = "--pattern",
            defaultValue = "sim-%05d",
            description = "Thing names: String.format over the index (default ${DEFAULT-VALUE}).")
    String pattern;

    @Option(
            names = "--start-index",
            defaultValue = "0",
            description = "Index of the first device (default ${DEFAULT-VALUE}).")
    int startIndex;

    @Option(
            names = "--shard",
            defaultValue = "0/1",
            description = "i/n: run the devices whose index mod n is i (default ${DEFAULT-VALUE}).")
    String shard;

    @Option(
            names = "--connect-rate",
            defaultValue = "500",
            description = "Connects per second (default ${DEFAULT-VALUE}).")
    int connectRate;

    @Option(
            names = "--ramp",
            defaultValue = "0s",
            description = "Ramp the connect rate up over this time (default ${DEFAULT-VALUE}).")
    String ramp;

    @Option(names = "--loops", description = "Event loop threads (default: one per core).")
    Integer loops;

    @Option(
            names = "--source-addresses",
            split = ",",
            paramLabel = "IP",
            description =
                    "Local addresses to spread connections over, e.g. 127.0.0.2,127.0.0.3 (each gives ~28k ports per destination).")
    List<String> sourceAddresses = new ArrayList<>();

    @Option(names = "--ca", paramLabel = "FILE", description = "CA certificate (PEM) to trust for ssl://")
    Path ca;

    @Option(
            names = "--cert",
            paramLabel = "FILE",
            description = "Client certificate (PEM) for mutual TLS; shared by all devices")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Client private key (PEM, PKCS#8) for mutual TLS")
    Path key;

    @Option(names = "--start-next", description = "Ask for work with start-next instead of $next/get.")
    boolean startNext;

    @Option(
            names = "--mqtt-version",
            paramLabel = "5|3.1.1",
            defaultValue = "5",
            description = "MQTT version the devices speak (default ${DEFAULT-VALUE}).")
    String mqttVersion;

    @Option(
            names = "--keep-alive",
            defaultValue = "60s",
            description = "MQTT keep-alive, 30s-1200s as IoT Core allows (default ${DEFAULT-VALUE}).")
    String keepAlive;

    @Option(
            names = "--install-time",
            defaultValue = "500ms",
            description = "Simulated install time (default ${DEFAULT-VALUE}).")
    String installTime;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of every device's draws (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", description = "Stop after this long (default: until interrupted).")
    String duration;

    @Option(
            names = "--bandwidth",
            paramLabel = "RATE",
            description = "Each device's download bandwidth, e.g. 256kbps or 2Mbps (default: unlimited).")
    String bandwidth;

    @Option(
            names = "--fleet-bandwidth",
            paramLabel = "RATE",
            description = "Cap on the whole fleet's download bandwidth (default: none).")
    String fleetBandwidth;

    @Option(
            names = "--sandbox",
            paramLabel = "DIR",
            description = "Write downloads under DIR/<thing name>/ (default: hash and discard).")
    Path sandbox;

    @Option(
            names = "--code-signing-cert",
            paramLabel = "FILE",
            description = "Certificate (PEM) whose key signs artifacts; signed downloads are verified against it"
                    + " (for fleetsim local: codeSigningCertificate in endpoints.json).")
    Path codeSigningCert;

    @Option(
            names = "--download-ca",
            paramLabel = "FILE",
            description = "An extra CA (PEM) to trust for HTTPS downloads, next to the JDK's.")
    Path downloadCa;

    @Option(
            names = "--progress-step",
            defaultValue = "0",
            description = "Report download progress in statusDetails every N percent (default ${DEFAULT-VALUE}: off).")
    int progressStep;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            defaultValue = "-1",
            description = "Serve the fleet's Prometheus metrics (and the JVM's) on --metrics-bind:PORT/metrics (0: a"
                    + " free port; default off).")
    int metricsPort;

    @Option(
            names = "--metrics-bind",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint binds to (default ${DEFAULT-VALUE}; 0.0.0.0 in a container).")
    String metricsBind;

    /** What the options say, every one checked before anything starts. */
    private record Settings(
            URI endpoint,
            boolean tls,
            Shard slice,
            Duration rampUp,
            Duration install,
            Duration duration,
            long bandwidth,
            long fleetBandwidth,
            List<InetAddress> sources,
            int loops,
            MqttVersion mqttVersion,
            Duration keepAlive) {}

    @Override
    public Integer call() throws Exception {
        Settings s = settings();
        DeviceConfig device = DeviceConfig.simple(
                        s.endpoint().getHost(), s.endpoint().getPort(), s.install())
                .withBehaviour(Behaviour.alwaysSucceeds(s.install()), seed)
                .withStartNext(startNext)
                .toBuilder()
                .mqttVersion(s.mqttVersion())
                .keepAlive(s.keepAlive())
                .build();
        if (s.tls()) {
            device = device.withTls(tls());
        }
        shaperTimer = EventLoops.create(1, "fleetsim-download-shaper");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FleetMeters status = new FleetMeters(registry);
        PrintWriter out = spec.commandLine().getOut();
        if (s.tls()) {
            out.println("device TLS: " + TlsProvider.describe());
        }
        try (Downloader downloader = downloader(s.fleetBandwidth());
                AutoCloseable timers = shaperTimer::shutdownGracefully;
                ProcessMeters process = ProcessMeters.bind(registry);
                MetricsEndpoint metrics = MetricsEndpoint.start(metricsBind, metricsPort, registry::scrape, out)) {
            device = device.withDownloads(new DeviceDownloads(
                    downloader,
                    sandbox,
                    s.bandwidth(),
                    codeSigningCert == null
                            ? null
                            : certificate("--code-signing-cert", codeSigningCert)
                                    .getPublicKey(),
                    progressStep,
                    DeviceDownloads.DEFAULT_MAX_BYTES));
            FleetConfig config = new FleetConfig(
                    count,
                    pattern,
                    startIndex,
                    s.loops(),
                    connectRate,
                    s.rampUp(),
                    s.slice(),
                    s.sources(),
                    List.of(),
                    device);
            try (Fleet fleet = new Fleet(config, status)) {
                out.printf(
                        "fleetsim devices: %d of %d devices (shard %s) → %s%n",
                        fleet.devices().size(), count, shard, endpoint);
                out.flush();
                fleet.start();
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "fleetsim-devices-stop"));
                long end = s.duration() == null
                        ? Long.MAX_VALUE
                        : System.nanoTime() + s.duration().toNanos();
                while (!stop.await(
                                Math.min(5_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
                                TimeUnit.MILLISECONDS)
                        && System.nanoTime() < end) {
                    out.printf(
                            "  connected %d  ready %d  jobs received %d  succeeded %d  failed %d  rejected %d"
                                    + "  disconnects %d  connect failures %d%n",
                            status.connected(),
                            status.ready(),
                            status.received(),
                            status.reported(JobExecutionStatus.SUCCEEDED),
                            status.reported(JobExecutionStatus.FAILED),
                            status.reported(JobExecutionStatus.REJECTED),
                            status.disconnects(),
                            status.connectFailures());
                    out.flush();
                }
                if (status.connects() == 0 && !fleet.devices().isEmpty()) {
                    Throwable why = status.lastConnectFailure();
                    spec.commandLine()
                            .getErr()
                            .println("fleetsim: no device could connect to " + endpoint + " ("
                                    + status.connectFailures() + " attempts failed"
                                    + (why == null ? "" : "; the last: " + describe(why)) + ")");
                    return ExitCodes.FAILED;
                }
            }
        }
        return ExitCodes.OK;
    }

    /** A connection failure as one line: the innermost cause's message (connection refused, unknown host …). */
    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    /** Checks every option and lists every problem at once; nothing is started before this passes. */
    private Settings settings() {
        List<String> problems = new ArrayList<>();
        URI uri = null;
        boolean tls = false;
        try {
            uri = new URI(endpoint);
            tls = "ssl".equals(uri.getScheme()) || "mqtts".equals(uri.getScheme());
            if (uri.getHost() == null
                    || uri.getPort() < 1
                    || !(tls || "tcp".equals(uri.getScheme()) || "mqtt".equals(uri.getScheme()))) {
                uri = null;
            }
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null) {
            problems.add("--endpoint " + endpoint + ": write tcp://host:port or ssl://host:port (e.g."
                    + " tcp://127.0.0.1:1883)");
        }
        if (count < 1) {
            problems.add("--count must be at least 1");
        }
        if (connectRate < 1) {
            problems.add("--connect-rate must be at least 1 (connects per second)");
        }
        if (startIndex < 0) {
            problems.add("--start-index must be 0 or more");
        }
        try {
            String.format(pattern, 0);
        } catch (IllegalFormatException e) {
            problems.add("--pattern " + pattern + ": not a format for the device index (" + e.getMessage()
                    + "); write e.g. sim-%05d");
        }
        if (loops != null && (loops < 1 || loops > 256)) {
            problems.add("--loops must be 1-256 event loop threads");
        }
        if (progressStep < 0 || progressStep > 100) {
            problems.add("--progress-step must be 0-100");
        }
        Shard slice = parse(problems, "--shard", () -> Shard.parse(shard));
        Duration rampUp = parse(problems, "--ramp", () -> Units.parseDuration(ramp));
        Duration install = parse(problems, "--install-time", () -> Units.parseDuration(installTime));
        MqttVersion version = parse(problems, "--mqtt-version", () -> DeviceConfig.mqttVersion(mqttVersion));
        Duration keepAliveTime =
                parse(problems, "--keep-alive", () -> DeviceConfig.keepAlive(Units.parseDuration(keepAlive)));
        Duration runFor = duration == null ? null : parse(problems, "--duration", () -> Units.parseDuration(duration));
        Long perDevice = parse(problems, "--bandwidth", () -> bandwidth == null ? 0L : Units.bytesPerSecond(bandwidth));
        Long fleetCap = parse(
                problems,
                "--fleet-bandwidth",
                () -> fleetBandwidth == null ? 0L : Units.bytesPerSecond(fleetBandwidth));
        if (tls && ca == null) {
            problems.add("--endpoint " + endpoint + " is TLS: give the broker's CA with --ca FILE");
        }
        if ((cert == null) != (key == null)) {
            problems.add("--cert and --key go together (mutual TLS)");
        }
        readable(problems, "--ca", ca);
        readable(problems, "--cert", cert);
        readable(problems, "--key", key);
        readable(problems, "--code-signing-cert", codeSigningCert);
        readable(problems, "--download-ca", downloadCa);
        if (sandbox != null && Files.exists(sandbox) && !Files.isDirectory(sandbox)) {
            problems.add("--sandbox " + sandbox + " is a file, not a folder");
        }
        try {
            MetricsEndpoint.check(metricsPort);
        } catch (UserInputException e) {
            problems.add(e.getMessage());
        }
        List<InetAddress> sources = new ArrayList<>();
        for (String address : sourceAddresses) {
            try {
                sources.add(InetAddress.getByName(address));
            } catch (IOException e) {
                problems.add("--source-addresses " + address + ": not an address");
            }
        }
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join(System.lineSeparator() + "fleetsim: ", problems));
        }
        return new Settings(
                uri,
                tls,
                slice,
                rampUp,
                install,
                runFor,
                perDevice,
                fleetCap,
                sources,
                loops == null ? EventLoops.defaultThreads() : loops,
                version,
                keepAliveTime);
    }

    private static <T> T parse(List<String> problems, String option, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            problems.add(option + ": " + e.getMessage());
            return null;
        }
    }

    private static void readable(List<String> problems, String option, Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            problems.add(option + " " + file + ": no such file");
        } else if (file != null && !Files.isReadable(file)) {
            problems.add(option + " " + file + ": not readable");
        }
    }

    /** The download shaper's timer, started once the options are checked. */
    private EventLoopGroup shaperTimer;

    /** One downloader for the fleet: HTTPS trust, the fleet-wide cap. */
    private Downloader downloader(long fleetBytesPerSecond) throws Exception {
        Downloader.Settings settings = Downloader.Settings.defaults().withFleetBytesPerSecond(fleetBytesPerSecond);
        if (downloadCa != null) {
            settings = settings.withExtraTrust(List.of(certificate("--download-ca", downloadCa)));
        }
        return new Downloader(shaperTimer, settings);
    }

    private X509Certificate certificate(String option, Path file) {
        try {
            return Pem.certificate(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + ": cannot read a PEM certificate from " + file);
        }
    }

    private DeviceTls tls() {
        MqttClientSslConfig config;
        try {
            var trust = Pem.trust(Pem.certificate(Files.readString(ca)));
            config = cert == null
                    ? MqttClientSslConfig.builder().trustManagerFactory(trust).build()
                    : Pem.mtls(Files.readString(key), Files.readString(cert), trust);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("--ca " + ca + (cert == null ? "" : ", --cert " + cert + ", --key " + key)
                    + ": cannot read the TLS material (PEM certificate, PKCS#8 key): " + e.getMessage());
        }
        MqttClientSslConfig shared = config;
        return thing -> shared;
    }
}

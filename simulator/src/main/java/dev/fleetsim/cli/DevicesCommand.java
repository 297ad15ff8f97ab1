package dev.fleetsim.cli;

import com.hivemq.client.mqtt.MqttClientSslConfig;
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
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.scenario.Units;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    @Override
    public Integer call() throws Exception {
        URI uri = URI.create(endpoint);
        boolean tls = "ssl".equals(uri.getScheme()) || "mqtts".equals(uri.getScheme());
        if (uri.getHost() == null
                || uri.getPort() < 1
                || !(tls || "tcp".equals(uri.getScheme()) || "mqtt".equals(uri.getScheme()))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--endpoint must be tcp://host:port or ssl://host:port");
        }
        if (count < 1 || connectRate < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count and --connect-rate must be positive");
        }
        Shard slice;
        Duration rampUp;
        Duration install;
        try {
            slice = Shard.parse(shard);
            rampUp = Units.parseDuration(ramp);
            install = Units.parseDuration(installTime);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<InetAddress> sources = new ArrayList<>();
        for (String address : sourceAddresses) {
            sources.add(InetAddress.getByName(address));
        }
        DeviceConfig device = DeviceConfig.simple(uri.getHost(), uri.getPort(), install)
                .withBehaviour(Behaviour.alwaysSucceeds(install), seed)
                .withStartNext(startNext);
        if (tls) {
            device = device.withTls(tls());
        }
        Downloader downloader = downloader();
        device = device.withDownloads(new DeviceDownloads(
                downloader,
                sandbox,
                rate("--bandwidth", bandwidth),
                codeSigningCert == null
                        ? null
                        : certificate("--code-signing-cert", codeSigningCert).getPublicKey(),
                progressStep,
                DeviceDownloads.DEFAULT_MAX_BYTES));
        FleetConfig config = new FleetConfig(
                count,
                pattern,
                startIndex,
                loops == null ? EventLoops.defaultThreads() : loops,
                connectRate,
                rampUp,
                slice,
                sources,
                List.of(),
                device);
        FleetMeters status = new FleetMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        PrintWriter out = spec.commandLine().getOut();
        try (AutoCloseable timers = shaperTimer::shutdownGracefully;
                downloader;
                Fleet fleet = new Fleet(config, status)) {
            out.printf(
                    "fleetsim devices: %d of %d devices (shard %s) → %s%n",
                    fleet.devices().size(), count, shard, endpoint);
            out.flush();
            fleet.start();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "fleetsim-devices-stop"));
            long end = duration == null
                    ? Long.MAX_VALUE
                    : System.nanoTime() + Units.parseDuration(duration).toNanos();
            while (!stop.await(5, TimeUnit.SECONDS) && System.nanoTime() < end) {
                out.printf(
                        "  connected %d  ready %d  jobs received %d  succeeded %d  failed %d  rejected %d  disconnects %d%n",
                        status.connected(),
                        status.ready(),
                        status.received(),
                        status.reported(JobExecutionStatus.SUCCEEDED),
                        status.reported(JobExecutionStatus.FAILED),
                        status.reported(JobExecutionStatus.REJECTED),
                        status.disconnects());
                out.flush();
            }
        }
        return ExitCodes.OK;
    }

    private final EventLoopGroup shaperTimer = EventLoops.create(1, "fleetsim-download-shaper");

    /** One downloader for the fleet: HTTPS trust, the fleet-wide cap. */
    private Downloader downloader() throws Exception {
        if (progressStep < 0 || progressStep > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--progress-step must be 0-100");
        }
        Downloader.Settings settings =
                Downloader.Settings.defaults().withFleetBytesPerSecond(rate("--fleet-bandwidth", fleetBandwidth));
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

    private long rate(String option, String text) {
        if (text == null) {
            return 0;
        }
        try {
            return Units.bytesPerSecond(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private DeviceTls tls() throws Exception {
        if (ca == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "ssl:// needs --ca");
        }
        var trust = Pem.trust(Pem.certificate(Files.readString(ca)));
        if (cert == null || key == null) {
            MqttClientSslConfig config =
                    MqttClientSslConfig.builder().trustManagerFactory(trust).build();
            return thing -> config;
        }
        MqttClientSslConfig config = Pem.mtls(Files.readString(key), Files.readString(cert), trust);
        return thing -> config;
    }
}

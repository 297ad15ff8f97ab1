package dev.fleetsim.bench;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.local.Folders;
import dev.fleetsim.local.identity.LocalCa;
import dev.fleetsim.local.jobs.CertificateIssuer;
import dev.fleetsim.net.ProcessDefaults;
import dev.fleetsim.net.TlsProvider;
import dev.fleetsim.pki.Pem;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a connect costs the device side, isolated from the broker: the fleet runs in a child JVM pinned to one core
 * ({@code taskset}), mosquitto on another, and the figure is the fleet process's CPU time (every thread, user and
 * system) per 1,000 connects, not wall time. Beside it, in the same child and on the same core: raw Netty sockets
 * that write one hand-built CONNECT (with a prebuilt {@code SslContext} each over TLS), and, for mutual TLS, {@code
 * openssl s_time} (one C client, user CPU per handshake, no MQTT). One child per TLS provider: OpenSSL through
 * netty-tcnative (the default where it loads) and the JDK's ({@code -Dio.netty.handler.ssl.noOpenSsl=true}).
 */
public final class ConnectCostBench {
    private static final String RESULT = "RESULT ";
    /** Warm-up rounds go on past {@code --warmups} while the compiler threads take 5 % or more of one, up to this. */
    private static final int MAX_WARMUPS = 10;

    private static final Pattern S_TIME =
            Pattern.compile("(\\d+) connections in ([\\d.]+)s; ([\\d.]+) connections/user sec");

    private final Consumer<String> out;

    public ConnectCostBench(Consumer<String> out) {
        this.out = out;
    }

    /** What the parent asks each child to measure. */
    public record Settings(int devices, int tlsDevices, int warmups, int rounds) {}

    /**
     * Runs one child per provider (plain TCP in the first only: it does not depend on the provider) and prints each
     * figure beside its baselines and the issue's budget.
     */
    public boolean run(Settings settings, List<String> providers) throws IOException, InterruptedException {
        if (!Mosquitto.available()) {
            throw new IllegalStateException("bench connect needs mosquitto: apt-get install mosquitto");
        }
        boolean pin = ProcessCpu.canPin();
        int cores = Runtime.getRuntime().availableProcessors();
        String fleetCpu = pin ? "0" : null;
        String brokerCpu = pin ? (cores > 2 ? "1-" + (cores - 1) : "1") : null;
        out.accept(
                pin
                        ? "pinned: the fleet's JVM on core " + fleetCpu + ", mosquitto on core(s) " + brokerCpu
                                + " (taskset)"
                        : "not pinned (no taskset or a single core): broker and fleet share the cores");
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        boolean first = true;
        boolean ok = true;
        for (String provider : providers) {
            List<String> command = new ArrayList<>();
            if (pin) {
                command.addAll(List.of(ProcessCpu.TASKSET.toString(), "-c", fleetCpu));
            }
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.add("-Xmx1g");
            if (provider.equals("jdk")) {
                command.add("-Dio.netty.handler.ssl.noOpenSsl=true");
            }
            command.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    ConnectCostBench.class.getName(),
                    Integer.toString(first ? settings.devices() : 0),
                    Integer.toString(settings.tlsDevices()),
                    Integer.toString(settings.warmups()),
                    Integer.toString(settings.rounds()),
                    brokerCpu == null ? "-" : brokerCpu));
            first = false;
            Process child =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            Map<String, Double> figures = new HashMap<>();
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith(RESULT)) {
                        String[] kv = line.substring(RESULT.length()).split(" ");
                        figures.put(kv[0], Double.parseDouble(kv[1]));
                    } else {
                        out.accept("[" + provider + "] " + line);
                    }
                }
            }
            if (!child.waitFor(10, TimeUnit.MINUTES) || child.exitValue() != 0) {
                child.destroyForcibly();
                out.accept("[" + provider + "] the measuring process failed; its output is above");
                ok = false;
            }
            results.put(provider, figures);
        }
        summary(results);
        return ok;
    }

    private void summary(Map<String, Map<String, Double>> results) {
        out.accept("CPU-seconds per 1,000 connects on the device side (median of the rounds):");
        out.accept(String.format(
                "  %-34s %10s %10s %7s %10s %7s %8s", "", "fleetsim", "raw", "ratio", "s_time", "ratio", "budget"));
        for (var e : results.entrySet()) {
            Map<String, Double> f = e.getValue();
            if (f.containsKey("plain.fleet") && f.containsKey("plain.raw")) {
                row("plain TCP, MQTT 5 CONNECT", f.get("plain.fleet"), f.get("plain.raw"), null, 0.1);
            }
            if (f.containsKey("tls.fleet") && f.containsKey("tls.raw")) {
                row(
                        "mTLS P-256, " + e.getKey()
                                + (f.getOrDefault("tls.openssl", 0.0) > 0 ? " (OpenSSL)" : " (JDK)"),
                        f.get("tls.fleet"),
                        f.get("tls.raw"),
                        f.get("tls.stime"),
                        1.0);
            }
        }
        out.accept("  raw: Netty sockets writing one hand-built MQTT 3.1.1 CONNECT (TLS: a prebuilt SslContext each);"
                + " s_time: openssl s_time -new, user CPU only, handshake without MQTT; ratio = fleetsim / baseline");
    }

    private void row(String label, Double fleet, Double raw, Double sTime, double budget) {
        out.accept(String.format(
                "  %-34s %10.3f %10.3f %7.2f %10s %7s %8s",
                label,
                fleet,
                raw,
                fleet / raw,
                sTime == null ? "" : String.format("%.3f", sTime),
                sTime == null ? "" : String.format("%.2f", fleet / sTime),
                String.format("≤ %.1f %s", budget, fleet <= budget ? "met" : "missed")));
    }

    /** The measuring child: {@code DEVICES TLS_DEVICES WARMUPS ROUNDS BROKER_CPUS}. */
    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int tlsDevices = Integer.parseInt(args[1]);
        int warmups = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String brokerCpu = args[4].equals("-") ? null : args[4];
        ProcessDefaults.apply(); // as fleetsim's own main does
        stopWithParent();
        Consumer<String> say = line -> {
            System.out.println(line);
            System.out.flush();
        };
        say.accept("device TLS provider: " + TlsProvider.describe());
        new Child(say, brokerCpu, warmups, rounds).run(devices, tlsDevices);
        System.exit(0);
    }

    /**
     * The measuring child has no use without the bench that reads it: when that process goes (killed with SIGKILL,
     * say), the child stops at once and takes its mosquitto with it, instead of running its remaining rounds alone.
     */
    static void stopWithParent() {
        ProcessHandle.current()
                .parent()
                .ifPresent(parent -> parent.onExit().thenRun(() -> {
                    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
                    Runtime.getRuntime().halt(3);
                }));
    }

    private record Child(Consumer<String> say, String brokerCpu, int warmups, int rounds) {
        void run(int devices, int tlsDevices) throws Exception {
            if (devices > 0) {
                try (Mosquitto broker = Mosquitto.pinned(null, brokerCpu)) {
                    measure("plain", devices, broker.port(), null, i -> null, null);
                }
            }
            if (tlsDevices > 0) {
                Path dir = Files.createTempDirectory("fleetsim-bench-connect-");
                LocalCa ca = LocalCa.open(dir, List.of("localhost", "127.0.0.1"));
                TrustManagerFactory trust = Pem.trust(ca.caCertificate());
                List<CertificateIssuer.Issued> issued = new ArrayList<>();
                Map<String, MqttClientSslConfig> configs = new HashMap<>();
                for (int i = 0; i < tlsDevices; i++) {
                    CertificateIssuer.Issued one = ca.issue();
                    issued.add(one);
                    configs.put(
                            String.format("tls-%06d", i), Pem.mtls(one.privateKeyPem(), one.certificatePem(), trust));
                }
                DeviceTls tls = configs::get;
                SslContext[] contexts = new SslContext[tlsDevices];
                IntFunction<SslContext> context = i -> {
                    if (contexts[i] == null) {
                        contexts[i] = RawConnects.clientContext(configs.get(String.format("tls-%06d", i)));
                    }
                    return contexts[i];
                };
                Path cert = dir.resolve("device.pem");
                Path key = dir.resolve("device-key.pem");
                Files.writeString(cert, issued.get(0).certificatePem());
                Files.writeString(key, issued.get(0).privateKeyPem());
                try (Mosquitto broker = Mosquitto.pinned(ca, brokerCpu)) {
                    measure("tls", tlsDevices, broker.port(), tls, context, () -> sTime(broker.port(), cert, key, ca));
                } finally {
                    Folders.deleteRecursively(dir);
                }
                System.out.println(RESULT + "tls.openssl " + (OpenSsl.isAvailable() ? 1 : 0));
            }
        }

        /**
         * Unmeasured rounds first: at least {@code warmups}, then until the compiler threads take under 5 % of a round
         * (the JIT compiles the connect path: the first rounds cost up to three times the later ones); then {@code
         * rounds} measured rounds, each raw sockets then fleet devices.
         */
        private void measure(
                String kind, int count, int port, DeviceTls tls, IntFunction<SslContext> context, STime sTime)
                throws Exception {
            List<Double> fleet = new ArrayList<>();
            List<Double> raw = new ArrayList<>();
            int warmed = 0;
            double jitShare = 1;
            int round = 0;
            while (round < rounds) {
                boolean warmingUp = warmed < warmups || (warmups > 0 && jitShare >= 0.05 && warmed < MAX_WARMUPS);
                Map<String, Long> cpuBefore = ProcessCpu.byStage();
                RawConnects.Round r = RawConnects.measure("127.0.0.1", port, count, context);
                Thread.sleep(500); // the broker closes the raw sockets
                FleetRound f = fleetRound(count, port, tls);
                Thread.sleep(500);
                jitShare = ProcessCpu.share(ProcessCpu.since(cpuBefore, ProcessCpu.byStage()), "JIT");
                if (warmingUp) {
                    warmed++;
                } else {
                    round++;
                }
                String label = warmingUp
                        ? String.format("warm-up %d (JIT %.0f%% of its CPU)", warmed, 100 * jitShare)
                        : "round " + round;
                say.accept(String.format(
                        "%s %s: fleetsim %,d connects at %,.0f/s, %.3f CPU-s per 1,000 | raw %,d at %,.0f/s, %.3f"
                                + " CPU-s per 1,000",
                        kind,
                        label,
                        f.connected,
                        f.rate,
                        f.perThousand(),
                        r.connected(),
                        r.rate(),
                        perThousand(r.cpuNanos(), r.connected())));
                if (!warmingUp) {
                    fleet.add(f.perThousand());
                    raw.add(perThousand(r.cpuNanos(), r.connected()));
                }
            }
            System.out.println(RESULT + kind + ".fleet " + Median.of(fleet));
            System.out.println(RESULT + kind + ".raw " + Median.of(raw));
            if (sTime != null) {
                double s = sTime.perThousand();
                if (s > 0) {
                    say.accept(String.format("%s openssl s_time: %.3f user CPU-s per 1,000 handshakes", kind, s));
                    System.out.println(RESULT + kind + ".stime " + s);
                }
            }
        }

        private record FleetRound(int connected, double rate, long cpuNanos) {
            double perThousand() {
                return ConnectCostBench.perThousand(cpuNanos, connected);
            }
        }

        /** Devices built first (not counted), then CPU from their start to the last CONNACK. */
        private FleetRound fleetRound(int count, int port, DeviceTls tls) throws Exception {
            DeviceConfig device = DeviceConfig.simple("127.0.0.1", port, Duration.ZERO);
            if (tls != null) {
                device = device.withTls(tls);
            }
            FleetBench.Counter counter = new FleetBench.Counter();
            try (Fleet fleet = new Fleet(
                    FleetBench.fleet(count, tls != null ? "tls-%06d" : "plain-%06d", device, List.of()), counter)) {
                long cpu = ProcessCpu.nanos();
                fleet.start();
                FleetBench.await(counter, count, Duration.ofSeconds(300));
                long used = ProcessCpu.nanos() - cpu;
                return new FleetRound(counter.connected.get(), counter.connectRate(), used);
            }
        }

        private double sTime(int port, Path cert, Path key, LocalCa ca) {
            try {
                Process p = new ProcessBuilder(
                                "openssl",
                                "s_time",
                                "-connect",
                                "127.0.0.1:" + port,
                                "-new",
                                "-time",
                                "5",
                                "-cert",
                                cert.toString(),
                                "-key",
                                key.toString(),
                                "-CAfile",
                                ca.caCertificateFile().toString())
                        .redirectErrorStream(true)
                        .start();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(60, TimeUnit.SECONDS);
                Matcher m = S_TIME.matcher(text);
                return m.find() ? 1000 / Double.parseDouble(m.group(3)) : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    @FunctionalInterface
    private interface STime {
        double perThousand();
    }

    static double perThousand(long cpuNanos, int connects) {
        return connects == 0 ? Double.NaN : cpuNanos / 1e9 / connects * 1000;
    }
}

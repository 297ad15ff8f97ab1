package dev.fleetsim.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import com.sun.net.httpserver.HttpServer;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.metrics.Phase;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.scenario.FleetPlan;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.target.Target;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code fleetsim run FILE --role devices --shard i/N --coordinator URL}: one slice of a sharded run's fleet. It joins
 * the coordinator, connects its devices when told (at {@code connectRate / N} a second, so the shards together keep the
 * scenario's pace), starts each job's clock when told, applies device actions to its own devices, and posts what they
 * observed once a second. It ends with the coordinator's stop (exit 0), and stops itself (exit 1) when it has not
 * reached the coordinator for the grace period, or when every one of its devices has been disconnected that long.
 *
 * <p>Serves {@code /ready} (200 once its devices are connected), {@code /metrics} and {@code /results} when given a
 * port. One thread polls the coordinator's events; the calling thread does everything else.
 */
public final class DeviceShard {
    private static final Duration REPORT_EVERY = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMinutes(3);

    /**
     * @param grace how long the shard goes on without its coordinator, or without any device connected
     * @param join how long the shard waits for its coordinator to answer at all: pods of the Indexed Job may start
     *     long before the coordinator's (its image pulled, its things made)
     * @param metricsPort where {@code /ready}, {@code /metrics} and {@code /results} are served; -1: nowhere
     */
    public record Settings(
            Shard shard,
            URI coordinator,
            Duration grace,
            Duration join,
            Path reportDir,
            String metricsBind,
            int metricsPort) {
        public Settings(
                Shard shard, URI coordinator, Duration grace, Path reportDir, String metricsBind, int metricsPort) {
            this(shard, coordinator, grace, grace, reportDir, metricsBind, metricsPort);
        }
    }

    /** How a shard ended: its exit code and why. */
    public record Outcome(int exitCode, String reason) {}

    private final Scenario scenario;
    private final Settings settings;
    private final Consumer<String> out;
    private final String incarnation = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(3))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<ArrayNode> receipts = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ArrayNode> statuses = new ConcurrentLinkedQueue<>();
    private final Map<Phase, Histogram> pending = new EnumMap<>(Phase.class);
    private volatile long lastContact = System.nanoTime();
    private volatile String refused;
    private volatile boolean done;

    private RunObserver observer;
    private Fleet fleet;
    private EventLoopGroup downloadLoop;
    private Downloader downloader;
    private volatile String phase = "joined";
    private long noDevicesSince;

    private DeviceShard(Scenario scenario, Settings settings, Consumer<String> out) {
        this.scenario = scenario;
        this.settings = settings;
        this.out = out;
    }

    /** Runs the shard until the coordinator stops it or it gives up; never throws for the coordinator's absence. */
    public static Outcome run(Scenario scenario, Settings settings, Consumer<String> out) throws Exception {
        return new DeviceShard(scenario, settings, out).play();
    }

    private URI uri(String what) {
        return settings.coordinator().resolve("/shards/" + settings.shard().index() + "/" + what);
    }

    private Outcome play() throws Exception {
        Shard shard = settings.shard();
        String name = "shard " + shard.index() + "/" + shard.count();
        Outcome joined = join(name);
        if (joined != null) {
            return joined;
        }
        HttpServer endpoint = serve();
        Thread poller = new Thread(this::poll, "fleetsim-shard-events");
        poller.setDaemon(true);
        poller.start();
        long nextReport = System.nanoTime();
        try {
            while (true) {
                JsonNode event = inbox.poll(100, TimeUnit.MILLISECONDS);
                while (event != null) {
                    if (apply(event)) {
                        finish();
                        out.accept(name + ": stopped by the coordinator; results in " + settings.reportDir());
                        return new Outcome(0, "stopped by the coordinator");
                    }
                    event = inbox.poll();
                }
                if (refused != null) {
                    return new Outcome(2, name + ": the coordinator refused this shard: " + refused);
                }
                long now = System.nanoTime();
                if (now >= nextReport) {
                    nextReport = now + REPORT_EVERY.toNanos();
                    sendReport(false);
                }
                if (now - lastContact > settings.grace().toNanos()) {
                    return new Outcome(
                            1,
                            name + ": lost the coordinator at " + settings.coordinator() + " for "
                                    + seconds(settings.grace()) + "; stopping its devices");
                }
                Outcome lost = devicesLost(now, name);
                if (lost != null) {
                    return lost;
                }
            }
        } finally {
            done = true;
            poller.interrupt();
            if (fleet != null) {
                fleet.close();
            }
            if (downloader != null) {
                downloader.close();
                downloadLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            if (observer != null) {
                observer.close();
            }
            if (endpoint != null) {
                endpoint.stop(0);
            }
        }
    }

    /** Says hello until the coordinator answers (it may start after its shards); null once joined. */
    private Outcome join(String name) throws InterruptedException {
        ObjectNode hello = JobsJson.mapper()
                .createObjectNode()
                .put("shards", settings.shard().count())
                .put("incarnation", incarnation)
                .put("scenario", scenario.name())
                .put("devices", scenario.fleet().count())
                .put("host", hostName());
        long deadline = System.nanoTime() + settings.join().toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                ShardWire.call(http, uri("hello"), hello, Duration.ofSeconds(5));
                lastContact = System.nanoTime();
                out.accept(name + ": joined the coordinator at " + settings.coordinator() + " (pid "
                        + ProcessHandle.current().pid() + ")");
                return null;
            } catch (ShardWire.Refused e) {
                return new Outcome(2, name + ": the coordinator refused this shard: " + e.getMessage());
            } catch (IOException e) {
                last = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                Thread.sleep(500);
            }
        }
        return new Outcome(
                1,
                name + ": no coordinator at " + settings.coordinator() + " within " + seconds(settings.join()) + " ("
                        + last + ")");
    }

    /** The events thread: long polls, one after another; a failure waits a second and tries again. */
    private void poll() {
        long after = 0;
        while (!done) {
            try {
                JsonNode answer = ShardWire.call(
                        http,
                        URI.create(uri("events") + "?incarnation=" + incarnation + "&after=" + after),
                        null,
                        Duration.ofSeconds(15));
                lastContact = System.nanoTime();
                for (JsonNode e : answer.path("events")) {
                    inbox.add(e);
                }
                after = answer.path("next").asLong(after);
            } catch (ShardWire.Refused e) {
                refused = e.getMessage();
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    return;
                }
            } catch (InterruptedException stop) {
                return;
            }
        }
    }

    /** Applies one event; true on stop. */
    private boolean apply(JsonNode e) throws Exception {
        boolean replay = e.path("replay").asBoolean();
        switch (e.path("type").asText()) {
            case "connect" -> connect(e);
            case "job" -> {
                if (observer != null) {
                    observer.jobStarting(
                            e.path("jobId").asText(),
                            System.nanoTime() - e.path("ageNanos").asLong());
                }
                if (phase.equals("ready")) {
                    phase = "running";
                }
            }
            case "offline" -> {
                if (!replay && fleet != null) {
                    Duration d = Duration.ofMillis(e.path("millis").asLong());
                    fleet.inFleetRange(e.path("from").asInt(), e.path("to").asInt(), v -> v.goOffline(d));
                }
            }
            case "storm" -> {
                if (!replay && fleet != null) {
                    long seed = e.path("seed").asLong() ^ (settings.shard().index() * 0x9E3779B97F4A7C15L);
                    Fleet.disconnectStorm(
                            fleet.devices(),
                            e.path("share").asDouble(),
                            Duration.ofMillis(e.path("millis").asLong()),
                            seed);
                }
            }
            case "stop" -> {
                return true;
            }
            default -> {
                // an event of a newer coordinator: nothing this shard knows to do
            }
        }
        return false;
    }

    /** The clock set to the run's, the observer, then this slice's devices at its share of the connect rate. */
    private void connect(JsonNode e) throws Exception {
        JsonNode clock = e.path("clock");
        VirtualClock simulated = new VirtualClock(
                Instant.ofEpochMilli(clock.path("simulatedMillis").asLong()),
                clock.path("timeScale").asDouble(1));
        observer = new RunObserver(simulated, scenario.timeScale());
        observer.runInfo(scenario.name(), scenario.seed(), scenario.timeScale());
        observer.logTo(settings.reportDir());
        observer.tap(new RunObserver.Tap() {
            @Override
            public void firstReceipt(String jobId, String thingName, long executionNumber, long simulatedMillis) {
                receipts.add(JobsJson.mapper()
                        .createArrayNode()
                        .add(jobId)
                        .add(thingName)
                        .add(executionNumber)
                        .add(simulatedMillis));
            }

            @Override
            public void reported(String jobId, JobExecutionStatus status, long simulatedMillis) {
                statuses.add(JobsJson.mapper()
                        .createArrayNode()
                        .add(jobId)
                        .add(status.name())
                        .add(simulatedMillis));
            }

            @Override
            public void interval(Phase p, Histogram histogram) {
                pending.computeIfAbsent(p, x -> new Histogram(3)).add(histogram);
            }
        });
        PublicKey signing = e.hasNonNull("codeSigning")
                ? Pem.certificate(e.path("codeSigning").asText()).getPublicKey()
                : null;
        downloadLoop = EventLoops.create(1, "fleetsim-download-shaper");
        downloader = new Downloader(downloadLoop, Downloader.Settings.defaults());
        Scenario.FleetSpec spec = scenario.fleet();
        int rate = Math.max(1, spec.connectRate() / settings.shard().count());
        fleet = FleetPlan.build(
                scenario,
                FleetPlan.base(
                        spec,
                        new Target.Endpoint(
                                e.path("mqttHost").asText(), e.path("mqttPort").asInt())),
                signing,
                downloader,
                observer,
                settings.shard(),
                rate);
        phase = "connecting";
        out.accept(String.format(
                "shard %s: connecting %,d devices to %s:%d at %,d/s",
                settings.shard().index() + "/" + settings.shard().count(),
                fleet.devices().size(),
                e.path("mqttHost").asText(),
                e.path("mqttPort").asInt(),
                rate));
        fleet.start().orTimeout(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS).whenComplete((v, error) -> {
            phase = "ready"; // with every device, or with the ready ones after the timeout (failures are counted)
            out.accept(String.format(
                    "shard %d/%d: %,d/%,d devices ready",
                    settings.shard().index(),
                    settings.shard().count(),
                    observer.counts().ready(),
                    fleet.devices().size()));
        });
    }

    /** Exit 1 when every device of a ready shard has been disconnected for the grace period. */
    private Outcome devicesLost(long now, String name) {
        if (observer == null || fleet == null || fleet.devices().isEmpty() || phase.equals("connecting")) {
            return null;
        }
        if (observer.counts().connected() > 0) {
            noDevicesSince = 0;
            return null;
        }
        if (noDevicesSince == 0) {
            noDevicesSince = now;
        }
        if (now - noDevicesSince > settings.grace().toNanos()) {
            return new Outcome(
                    1,
                    name + ": lost its devices: none of " + fleet.devices().size()
                            + " connected for " + seconds(settings.grace()) + " (last failure: "
                            + observer.counts().lastConnectFailure() + ")");
        }
        return null;
    }

    /** Posts what the devices observed since the last report; kept for the next one when the post fails. */
    private final List<ArrayNode> unsentReceipts = new ArrayList<>();

    private final List<ArrayNode> unsentStatuses = new ArrayList<>();

    private boolean sendReport(boolean last) {
        if (observer != null) {
            observer.drain();
        }
        for (ArrayNode r = receipts.poll(); r != null; r = receipts.poll()) {
            unsentReceipts.add(r);
        }
        for (ArrayNode s = statuses.poll(); s != null; s = statuses.poll()) {
            unsentStatuses.add(s);
        }
        ObjectNode body = JobsJson.mapper().createObjectNode();
        body.put("incarnation", incarnation)
                .put("phase", phase)
                .put("final", last)
                .put("cpuSeconds", processCpuSeconds());
        body.set(
                "totals",
                ShardWire.totals(
                        observer == null
                                ? FleetMeters.Totals.ZERO
                                : observer.counts().local()));
        unsentReceipts.forEach(body.putArray("receipts")::add);
        unsentStatuses.forEach(body.putArray("statuses")::add);
        ObjectNode histograms = body.putObject("histograms");
        pending.forEach((p, h) -> histograms.put(p.label(), ShardWire.encode(h)));
        try {
            ShardWire.call(http, uri("report"), body, Duration.ofSeconds(10));
            lastContact = System.nanoTime();
            unsentReceipts.clear();
            unsentStatuses.clear();
            pending.clear();
            return true;
        } catch (ShardWire.Refused e) {
            refused = e.getMessage();
            return false;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last report (a few tries), then this shard's results file. */
    private void finish() throws Exception {
        phase = "finished";
        for (int attempt = 0; attempt < 10 && !sendReport(true); attempt++) {
            Thread.sleep(500);
        }
        Files.createDirectories(settings.reportDir());
        Files.writeString(
                settings.reportDir().resolve("results.json"),
                JobsJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(results()));
    }

    /** This process's results in the shape the coordinator writes for each shard ({@code report merge} reads both). */
    private ObjectNode results() {
        ObjectNode n = JobsJson.mapper().createObjectNode();
        n.put("schema", ShardWire.RESULTS_SCHEMA);
        n.put("shard", settings.shard().index());
        n.put("shards", settings.shard().count());
        n.put("scenario", scenario.name());
        n.put("host", hostName());
        n.put("state", phase);
        n.put("incarnations", 1);
        n.put("cpuSeconds", Math.round(processCpuSeconds() * 1000) / 1000.0);
        n.set(
                "totals",
                ShardWire.totals(
                        observer == null
                                ? FleetMeters.Totals.ZERO
                                : observer.counts().local()));
        ObjectNode phases = n.putObject("phases");
        ObjectNode encoded = n.putObject("histograms");
        if (observer != null) {
            for (Phase p : Phase.values()) {
                Histogram h = observer.total(p);
                if (h.getTotalCount() > 0) {
                    phases.set(p.label(), RunReport.phaseSummary(h));
                    encoded.put(p.label(), ShardWire.encode(h));
                }
            }
        }
        return n;
    }

    /** {@code /ready}, {@code /metrics} and {@code /results} on the metrics port, when one is given. */
    private HttpServer serve() throws IOException {
        if (settings.metricsPort() < 0) {
            return null;
        }
        HttpServer server =
                HttpServer.create(new InetSocketAddress(settings.metricsBind(), settings.metricsPort()), 16);
        server.createContext("/ready", x -> {
            boolean ready = phase.equals("ready") || phase.equals("running");
            ShardWire.respond(x, ready ? 200 : 503, "text/plain", phase + "\n");
        });
        server.createContext("/metrics", x -> {
            RunObserver o = observer;
            ShardWire.respond(
                    x,
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    o == null ? "" : o.registry().scrape());
        });
        server.createContext("/results", x -> {
            RunObserver o = observer;
            ShardWire.respond(
                    x, 200, "application/json", o == null ? "{}" : results().toString());
        });
        server.start();
        out.accept("shard " + settings.shard().index() + "/" + settings.shard().count() + ": /ready, /metrics and"
                + " /results on http://" + settings.metricsBind() + ":"
                + server.getAddress().getPort());
        return server;
    }

    /** This process's CPU time so far (what the coordinator's report and the shard bench add up). */
    static double processCpuSeconds() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    private static String hostName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}

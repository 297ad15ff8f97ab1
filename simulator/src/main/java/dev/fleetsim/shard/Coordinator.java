package dev.fleetsim.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.metrics.Phase;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.scenario.RemoteFleet;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The coordinator of a sharded run: serves the shard protocol ({@link ShardWire}) and is the run's {@link RemoteFleet}.
 * It keeps an ordered log of events every shard reads (a restarted shard reads it again from the start, skipping device
 * actions from before it joined), the barrier before the first job, and one record per shard: its incarnations (each
 * process or pod that joined under its index), its latest counts, and its histograms, merged exactly.
 *
 * <p>Thread-safe: HTTP handlers run on a small pool and everything they share is guarded by this object's lock (a few
 * requests a second per shard).
 */
public final class Coordinator implements RemoteFleet, AutoCloseable {
    /** A shard not heard from for this long is lost: its devices no longer count as connected. */
    static final Duration LOST_AFTER = Duration.ofSeconds(10);

    private static final Duration LONG_POLL = Duration.ofSeconds(5);
    private static final Duration JOB_ACK_WAIT = Duration.ofSeconds(2);
    private static final Pattern PATH = Pattern.compile("^/shards/(\\d+)/(hello|events|report)$");

    /**
     * @param shards how many device shards the run has
     * @param bind, port where the protocol is served (port 0: a free one)
     * @param barrierTimeout how long the run waits for every shard's devices before its first job
     * @param resultsDir where each shard's results file goes ({@code shards/shard-i.json}), or null
     */
    public record Settings(int shards, String bind, int port, Duration barrierTimeout, Path resultsDir) {}

    /** An event of the log; its JSON is rendered when sent, so ages and the clock are current. */
    private record Event(String type, ObjectNode body, long intendedNanos) {}

    private final Settings settings;
    private final Scenario scenario;
    private final HttpServer server;
    private final ExecutorService pool;
    private final List<Event> events = new ArrayList<>();
    private final ShardRecord[] shards;
    private final long started = System.nanoTime();
    private Clock clock;
    private RunObserver observer;
    private boolean stopped;

    private Coordinator(Settings settings, Scenario scenario, HttpServer server, ExecutorService pool) {
        this.settings = settings;
        this.scenario = scenario;
        this.server = server;
        this.pool = pool;
        this.shards = new ShardRecord[settings.shards()];
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new ShardRecord(i);
        }
    }

    /** Serves the protocol for {@code scenario}'s shards; an address in use is an {@link IOException}. */
    public static Coordinator start(Scenario scenario, Settings settings) throws IOException {
        if (settings.shards() < 1) {
            throw new IllegalArgumentException("a sharded run has at least one shard");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(settings.bind(), settings.port()), 64);
        // Each shard holds one long poll open; a few more for reports and status.
        ExecutorService pool = Executors.newFixedThreadPool(settings.shards() + 4, r -> {
            Thread t = new Thread(r, "fleetsim-coordinator");
            t.setDaemon(true);
            return t;
        });
        Coordinator c = new Coordinator(settings, scenario, server, pool);
        server.createContext("/", c::handle);
        server.setExecutor(pool);
        server.start();
        return c;
    }

    /** Where shards reach this coordinator when they run on this machine. */
    public URI localUrl() {
        String host = settings.bind().equals("0.0.0.0") || settings.bind().equals("::") ? "127.0.0.1" : settings.bind();
        return URI.create("http://" + host + ":" + server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    // ------------------------------------------------------------------ RemoteFleet

    @Override
    public void connect(
            String mqttHost,
            int mqttPort,
            X509Certificate codeSigning,
            Clock clock,
            RunObserver observer,
            Consumer<String> out)
            throws InterruptedException {
        ObjectNode body =
                JobsJson.mapper().createObjectNode().put("mqttHost", mqttHost).put("mqttPort", mqttPort);
        if (codeSigning != null) {
            body.put("codeSigning", Pem.encode(codeSigning));
        }
        synchronized (this) {
            this.clock = clock;
            this.observer = observer;
        }
        observer.counts().include(this::remoteTotals);
        append(new Event("connect", body, 0));
        long deadline = System.nanoTime() + settings.barrierTimeout().toNanos();
        long nextLine = System.nanoTime();
        while (true) {
            List<Integer> waiting = new ArrayList<>();
            synchronized (this) {
                for (ShardRecord s : shards) {
                    if (!s.ready()) {
                        waiting.add(s.index);
                    }
                }
                if (waiting.isEmpty()) {
                    out.accept("barrier: all " + shards.length + " shards have their devices connected");
                    return;
                }
                if (System.nanoTime() >= deadline) {
                    out.accept("barrier: " + DeviceShard.seconds(settings.barrierTimeout())
                            + " passed; going on without shard" + (waiting.size() == 1 ? " " : "s ") + waiting + " ("
                            + describeWaiting(waiting) + ")");
                    waiting.forEach(i -> shards[i].missedBarrier = true);
                    return;
                }
                if (System.nanoTime() >= nextLine) {
                    nextLine = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    out.accept("barrier: waiting for shard" + (waiting.size() == 1 ? " " : "s ") + waiting + " ("
                            + describeWaiting(waiting) + ")");
                }
                wait(200);
            }
        }
    }

    private String describeWaiting(List<Integer> waiting) {
        List<String> parts = new ArrayList<>();
        for (int i : waiting) {
            ShardRecord s = shards[i];
            parts.add(
                    s.incarnation == null
                            ? i + ": not joined"
                            : i + ": " + s.phase + ", " + s.current.ready() + " ready");
        }
        return String.join("; ", parts);
    }

    @Override
    public void jobStarting(String jobId, long intendedNanos) throws InterruptedException {
        long seq = append(new Event("job", JobsJson.mapper().createObjectNode().put("jobId", jobId), intendedNanos));
        long deadline = System.nanoTime() + JOB_ACK_WAIT.toNanos();
        synchronized (this) {
            while (System.nanoTime() < deadline) {
                boolean all = true;
                for (ShardRecord s : shards) {
                    if (s.incarnation != null && !lost(s) && s.acked <= seq) {
                        all = false;
                    }
                }
                if (all) {
                    return;
                }
                wait(10);
            }
        }
    }

    @Override
    public void offline(int from, int to, Duration real) {
        append(new Event(
                "offline",
                JobsJson.mapper()
                        .createObjectNode()
                        .put("from", from)
                        .put("to", to)
                        .put("millis", real.toMillis()),
                0));
    }

    @Override
    public void disconnectStorm(double share, Duration real, long seed) {
        append(new Event(
                "storm",
                JobsJson.mapper()
                        .createObjectNode()
                        .put("share", share)
                        .put("millis", real.toMillis())
                        .put("seed", seed),
                0));
    }

    @Override
    public void stop(Duration wait) throws InterruptedException {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        append(new Event("stop", JobsJson.mapper().createObjectNode(), 0));
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            while (System.nanoTime() < deadline) {
                boolean all = true;
                for (ShardRecord s : shards) {
                    if (s.incarnation != null && !lost(s) && !s.finished) {
                        all = false;
                    }
                }
                if (all) {
                    break;
                }
                wait(50);
            }
        }
        writeResults();
    }

    @Override
    public synchronized JsonNode report() {
        ObjectNode root = JobsJson.mapper().createObjectNode();
        root.put("count", shards.length);
        int restarts = 0;
        List<Integer> lost = new ArrayList<>();
        ArrayNode each = root.putArray("each");
        for (ShardRecord s : shards) {
            restarts += Math.max(0, s.incarnations - 1);
            if (s.incarnation == null || !s.finished) {
                lost.add(s.index);
            }
            each.add(s.summary(this));
        }
        root.put("restarts", restarts);
        ArrayNode lostNode = root.putArray("lost");
        lost.forEach(lostNode::add);
        return root;
    }

    /** CPU seconds every shard process has reported so far, summed (the shard bench's denominator). */
    public synchronized double shardCpuSeconds() {
        double sum = 0;
        for (ShardRecord s : shards) {
            sum += s.pastCpu + s.cpu;
        }
        return sum;
    }

    /** Each shard's results as {@code shards/shard-i.json}, for {@code fleetsim report merge}. */
    private void writeResults() {
        if (settings.resultsDir() == null) {
            return;
        }
        try {
            Path dir = settings.resultsDir().resolve("shards");
            Files.createDirectories(dir);
            synchronized (this) {
                for (ShardRecord s : shards) {
                    Files.writeString(
                            dir.resolve("shard-" + s.index + ".json"),
                            JobsJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s.results(this)));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the shards' results: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    // ------------------------------------------------------------------ state

    private synchronized long append(Event e) {
        events.add(e);
        notifyAll();
        return events.size() - 1;
    }

    synchronized boolean lost(ShardRecord s) {
        return s.incarnation != null && System.nanoTime() - s.lastSeen > LOST_AFTER.toNanos() && !s.finished;
    }

    /** Every shard's devices, for the run's counts: finished incarnations' totals, and each live one's latest. */
    private synchronized FleetMeters.Totals remoteTotals() {
        FleetMeters.Totals sum = FleetMeters.Totals.ZERO;
        for (ShardRecord s : shards) {
            sum = sum.plus(s.past).plus(lost(s) || s.finished ? s.current.withoutGauges() : s.current);
        }
        return sum;
    }

    double realSeconds(long nanoTime) {
        return Math.round((nanoTime - started) / 1e6) / 1000.0;
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher m = PATH.matcher(exchange.getRequestURI().getPath());
            if (exchange.getRequestURI().getPath().equals("/")) {
                answer(exchange, 200, report());
                return;
            }
            if (!m.matches()) {
                answer(exchange, 404, message("no such path; shards use /shards/{i}/hello, events, report"));
                return;
            }
            int index = Integer.parseInt(m.group(1));
            if (index >= shards.length) {
                answer(
                        exchange,
                        409,
                        message("this run has " + shards.length + " shards (0-" + (shards.length - 1) + "); shard "
                                + index + " is not one of them"));
                return;
            }
            ShardRecord shard = shards[index];
            JsonNode body = null;
            if (exchange.getRequestMethod().equals("POST")) {
                try (InputStream in = exchange.getRequestBody()) {
                    body = JobsJson.mapper().readTree(in);
                }
            }
            switch (m.group(2)) {
                case "hello" -> hello(exchange, shard, body);
                case "events" -> events(exchange, shard);
                default -> report(exchange, shard, body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            answer(exchange, 400, message(String.valueOf(e.getMessage())));
        }
    }

    private void hello(HttpExchange exchange, ShardRecord shard, JsonNode body) throws IOException {
        if (body == null) {
            answer(exchange, 405, message("POST a hello"));
            return;
        }
        String problem = null;
        if (body.path("shards").asInt() != shards.length) {
            problem = "this run has " + shards.length + " shards, the shard was started with "
                    + body.path("shards").asInt() + " (--shard i/N must match --shards N)";
        } else if (!body.path("scenario").asText().equals(scenario.name())
                || body.path("devices").asInt() != scenario.fleet().count()) {
            problem = "this coordinator runs scenario '" + scenario.name() + "' with "
                    + scenario.fleet().count()
                    + " devices; the shard loaded '" + body.path("scenario").asText() + "' with "
                    + body.path("devices").asInt();
        }
        if (problem != null) {
            answer(exchange, 409, message(problem));
            return;
        }
        long next;
        synchronized (this) {
            next = events.size();
            shard.join(body.path("incarnation").asText(), body.path("host").asText(""), next, System.nanoTime());
            notifyAll();
        }
        answer(exchange, 200, JobsJson.mapper().createObjectNode().put("next", next));
    }

    private void events(HttpExchange exchange, ShardRecord shard) throws IOException, InterruptedException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        long after = Long.parseLong(query.getOrDefault("after", "0"));
        String incarnation = query.getOrDefault("incarnation", "");
        ObjectNode answer = JobsJson.mapper().createObjectNode();
        synchronized (this) {
            if (!incarnation.equals(shard.incarnation)) {
                answer(exchange, 409, message("superseded: another process joined as shard " + shard.index));
                return;
            }
            shard.seen(after, System.nanoTime());
            notifyAll();
            long deadline = System.nanoTime() + LONG_POLL.toNanos();
            while (events.size() <= after && System.nanoTime() < deadline && incarnation.equals(shard.incarnation)) {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            long now = System.nanoTime();
            ArrayNode list = answer.putArray("events");
            for (int seq = (int) after; seq < events.size(); seq++) {
                list.add(render(seq, events.get(seq), shard, now));
            }
            answer.put("next", events.size());
        }
        answer(exchange, 200, answer);
    }

    /** An event as sent now: a job's age and the clock are read at this moment, so network delays do not skew them. */
    private ObjectNode render(int seq, Event e, ShardRecord shard, long now) {
        ObjectNode n = e.body().deepCopy();
        n.put("seq", seq).put("type", e.type());
        if (seq < shard.joinedAt) {
            n.put("replay", true);
        }
        if (e.type().equals("job")) {
            n.put("ageNanos", now - e.intendedNanos());
        }
        if (e.type().equals("connect")) {
            double scale = scenario.timeScale();
            n.putObject("clock").put("simulatedMillis", clock.millis()).put("timeScale", scale);
        }
        return n;
    }

    private void report(HttpExchange exchange, ShardRecord shard, JsonNode body) throws IOException {
        if (body == null) {
            answer(exchange, 405, message("POST a report"));
            return;
        }
        synchronized (this) {
            if (!body.path("incarnation").asText().equals(shard.incarnation)) {
                answer(exchange, 409, message("superseded: another process joined as shard " + shard.index));
                return;
            }
            shard.seen(-1, System.nanoTime());
            String phase = body.path("phase").asText(shard.phase);
            if (!shard.restarts.isEmpty() && !shard.ready() && (phase.equals("ready") || phase.equals("running"))) {
                // What the restart cost: how long the new process took to have its devices back.
                shard.restarts
                        .get(shard.restarts.size() - 1)
                        .put("readyAfterSeconds", Math.round((System.nanoTime() - shard.joinedNanos) / 1e6) / 1000.0);
            }
            shard.phase = phase;
            shard.current = ShardWire.totals(body.path("totals"));
            shard.cpu = body.path("cpuSeconds").asDouble(shard.cpu);
            RunObserver o = observer;
            for (JsonNode r : body.path("receipts")) {
                shard.receipts++;
                if (o != null) {
                    o.absorbReceipt(
                            r.get(0).asText(),
                            r.get(1).asText(),
                            r.get(2).asLong(),
                            r.get(3).asLong());
                }
            }
            for (JsonNode r : body.path("statuses")) {
                shard.statuses++;
                if (o != null) {
                    o.absorbReported(
                            r.get(0).asText(),
                            JobExecutionStatus.valueOf(r.get(1).asText()),
                            r.get(2).asLong());
                }
            }
            body.path("histograms").fields().forEachRemaining(f -> {
                Phase histogramPhase = Phase.byLabel(f.getKey())
                        .orElseThrow(() -> new IllegalArgumentException("no phase " + f.getKey()));
                Histogram h = ShardWire.decode(f.getValue().asText());
                shard.histograms
                        .computeIfAbsent(histogramPhase, p -> new Histogram(3))
                        .add(h);
                if (o != null) {
                    o.absorb(histogramPhase, h);
                }
            });
            if (body.path("final").asBoolean()) {
                shard.finished = true;
            }
            notifyAll();
        }
        answer(exchange, 200, JobsJson.mapper().createObjectNode());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    m.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static ObjectNode message(String text) {
        return JobsJson.mapper().createObjectNode().put("message", text);
    }

    private static void answer(HttpExchange exchange, int status, JsonNode body) throws IOException {
        ShardWire.respond(exchange, status, "application/json", body.toString());
    }

    // ------------------------------------------------------------------ one shard

    /** What the coordinator knows of one shard index, over every process that joined under it. */
    static final class ShardRecord {
        final int index;
        String incarnation;
        String host = "";
        int incarnations;
        /** The first event this incarnation had not seen when it joined: earlier device actions are not replayed. */
        long joinedAt;

        long lastSeen;
        long joinedNanos;
        long acked;
        String phase = "not joined";
        boolean finished;
        boolean missedBarrier;
        FleetMeters.Totals current = FleetMeters.Totals.ZERO;
        FleetMeters.Totals past = FleetMeters.Totals.ZERO;
        long receipts;
        long statuses;
        /** Process CPU seconds of the current process, and of the earlier ones under this index. */
        double cpu;

        double pastCpu;
        final Map<Phase, Histogram> histograms = new EnumMap<>(Phase.class);
        /** One line per earlier incarnation: when it was last heard of, and how long the index had no process. */
        final List<ObjectNode> restarts = new ArrayList<>();

        ShardRecord(int index) {
            this.index = index;
        }

        void join(String id, String fromHost, long next, long now) {
            if (id.equals(incarnation)) {
                return; // a retried hello
            }
            if (incarnation != null) {
                restarts.add(JobsJson.mapper()
                        .createObjectNode()
                        .put("previous", incarnation)
                        .put("previousPhase", phase)
                        .put("downSeconds", Math.round((now - lastSeen) / 1e6) / 1000.0)
                        .put("devicesConnectedBefore", current.connected()));
                past = past.plus(current.withoutGauges());
                pastCpu += cpu;
                cpu = 0;
                current = FleetMeters.Totals.ZERO;
                finished = false;
            }
            incarnation = id;
            host = fromHost;
            incarnations++;
            joinedAt = next;
            lastSeen = now;
            joinedNanos = now;
            acked = 0;
            phase = "joined";
        }

        void seen(long after, long now) {
            lastSeen = now;
            if (after >= 0) {
                acked = Math.max(acked, after);
            }
        }

        boolean ready() {
            return incarnation != null && (phase.equals("ready") || phase.equals("running"));
        }

        ObjectNode summary(Coordinator c) {
            ObjectNode n = JobsJson.mapper().createObjectNode();
            n.put("shard", index);
            n.put("host", host);
            n.put(
                    "state",
                    incarnation == null ? "never joined" : finished ? "finished" : c.lost(this) ? "lost" : phase);
            n.put("incarnations", incarnations);
            n.put("restarts", Math.max(0, incarnations - 1));
            n.put("missedBarrier", missedBarrier);
            n.set("totals", ShardWire.totals(past.plus(current)));
            n.put("cpuSeconds", Math.round((pastCpu + cpu) * 1000) / 1000.0);
            n.put("notifications", receipts);
            n.put("statuses", statuses);
            ObjectNode phases = n.putObject("phases");
            histograms.forEach((phase, h) -> phases.set(phase.label(), RunReport.phaseSummary(h)));
            ArrayNode r = n.putArray("restartLog");
            restarts.forEach(r::add);
            return n;
        }

        ObjectNode results(Coordinator c) {
            ObjectNode n = summary(c);
            n.put("schema", ShardWire.RESULTS_SCHEMA);
            n.put("shards", c.shards.length);
            n.put("scenario", c.scenario.name());
            ObjectNode encoded = n.putObject("histograms");
            histograms.forEach((phase, h) -> encoded.put(phase.label(), ShardWire.encode(h)));
            return n;
        }
    }
}

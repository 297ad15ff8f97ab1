package dev.fleetsim.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.config.AbortMath;
import dev.fleetsim.metrics.Phase;
import dev.fleetsim.scenario.LiveRun;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iot.model.AbortCriteria;
import software.amazon.awssdk.services.iot.model.Job;

/**
 * What the console shows, as the JSON of one frame: the run and its clock, the fleet's cells (all of them to a new
 * client, then only those that changed since what that client got), every job with its counts, rollout and abort
 * criteria, latency per phase, and the samples of the curves (one a second, the last hour of them kept for a page
 * that opens late). Runs on the console's loop only.
 */
final class Frames {
    /** Samples kept for a page that opens late: an hour at one a second. */
    static final int KEPT_SAMPLES = 3_600;
    /** Above this many changed cells, a client gets the whole grid (smaller than the pairs). */
    private static final double FULL_GRID_SHARE = 0.25;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LiveRun run;
    private final Supplier<FleetView> views;
    private final Instant simulatedStart;
    private final ArrayDeque<ObjectNode> samples = new ArrayDeque<>();
    private long samplesTaken;
    private long lastSampleNanos;
    private long lastBytes;

    /** The parts of a frame that every client gets alike, built once per tick. */
    record Shared(ObjectNode base, byte[] cells) {}

    Frames(LiveRun run, Supplier<FleetView> views) {
        this.run = run;
        this.views = views;
        this.simulatedStart = run.clock().instant();
    }

    FleetView view() {
        return views.get();
    }

    /** One sample a second for the curves: executions per status over all jobs, connected devices, MiB/s. */
    void sample() {
        long now = System.nanoTime();
        if (lastSampleNanos != 0 && now - lastSampleNanos < 1_000_000_000L) {
            return;
        }
        LiveRun.Snapshot snap = run.snapshot();
        long bytes = run.downloadedBytes();
        double seconds = lastSampleNanos == 0 ? 1 : (now - lastSampleNanos) / 1e9;
        ObjectNode s = JSON.createObjectNode();
        s.put("t", round(snap.realSeconds()));
        s.put("sim", Duration.between(simulatedStart, run.clock().instant()).toMillis() / 1000.0);
        s.put("connected", run.connected());
        s.put("mibps", round((bytes - lastBytes) / (double) (1 << 20) / seconds));
        Map<JobExecutionStatus, Integer> totals = new EnumMap<>(JobExecutionStatus.class);
        for (Job job : snap.jobs().values()) {
            RunReport.counts(job.jobProcessDetails()).forEach((status, n) -> totals.merge(status, n, Integer::sum));
        }
        s.set("executions", executions(totals));
        ObjectNode rollout = s.putObject("rollout");
        snap.rollout()
                .forEach((jobId, r) -> rollout.putArray(jobId).add(r.notified()).add(r.allowed()));
        lastBytes = bytes;
        lastSampleNanos = now;
        samples.addLast(s);
        samplesTaken++;
        if (samples.size() > KEPT_SAMPLES) {
            samples.removeFirst();
        }
    }

    Shared shared() {
        FleetView view = views.get();
        byte[] cells = new byte[view.size()];
        view.copyCells(cells);
        LiveRun.Snapshot snap = run.snapshot();
        ObjectNode base = JSON.createObjectNode();
        base.put("type", "frame");
        Scenario scenario = run.scenario();
        ObjectNode r = base.putObject("run");
        r.put("scenario", scenario.name());
        r.put("seed", scenario.seed());
        r.put("target", run.target());
        r.put("ended", snap.ended());
        ObjectNode clock = base.putObject("clock");
        Instant now = run.clock().instant();
        clock.put("simulated", now.toString());
        clock.put("simulatedSeconds", Duration.between(simulatedStart, now).toMillis() / 1000.0);
        clock.put("realSeconds", round(snap.realSeconds()));
        if (run.clock() instanceof VirtualClock v) {
            clock.put("scale", v.timeScale());
            clock.put("paused", v.isPaused());
            clock.put("pausable", true);
        } else {
            clock.put("scale", 1);
            clock.put("paused", false);
            clock.put("pausable", false);
        }
        ObjectNode fleet = base.putObject("fleet");
        fleet.put("size", view.size());
        fleet.put("connected", run.connected());
        // Virtual devices in this process (a run), or a standalone stack's things: device actions need the former.
        fleet.put("virtualDevices", scenario.fleet().count() > 0);
        ArrayNode cohorts = fleet.putArray("cohorts");
        for (Scenario.CohortSpec c : scenario.cohorts()) {
            cohorts.addObject().put("name", c.name()).put("from", c.from()).put("to", c.to());
        }
        ObjectNode legend = fleet.putObject("cells");
        int[] counts = new int[FleetView.Cell.values().length + 1];
        for (byte b : cells) {
            int cell = b & 0xFF;
            counts[(cell & FleetView.OFFLINE) != 0 ? counts.length - 1 : cell & ~FleetView.OFFLINE]++;
        }
        for (FleetView.Cell c : FleetView.Cell.values()) {
            legend.put(c.name(), counts[c.ordinal()]);
        }
        legend.put("OFFLINE", counts[counts.length - 1]);
        ArrayNode jobs = base.putArray("jobs");
        for (Job job : snap.jobs().values()) {
            jobs.add(job(job, snap.rollout().get(job.jobId())));
        }
        ObjectNode latency = base.putObject("latency");
        for (Map.Entry<Phase, LiveRun.Latency> e : snap.latency().entrySet()) {
            LiveRun.Latency l = e.getValue();
            latency.putObject(e.getKey().label())
                    .put("count", l.count())
                    .put("p50", l.p50())
                    .put("p90", l.p90())
                    .put("p99", l.p99())
                    .put("max", l.max());
        }
        return new Shared(base, cells);
    }

    /** The frame for one client: the shared parts, its cell changes and the samples it has not had. */
    ObjectNode frame(Shared shared, ConsoleServer.Client client) {
        ObjectNode frame = JSON.createObjectNode();
        frame.setAll(shared.base());
        byte[] now = shared.cells();
        ObjectNode cells = frame.putObject("cells");
        if (client.cells == null || client.cells.length != now.length) {
            cells.put("full", Base64.getEncoder().encodeToString(now));
        } else {
            int changed = 0;
            for (int i = 0; i < now.length; i++) {
                if (now[i] != client.cells[i]) {
                    changed++;
                }
            }
            if (changed > now.length * FULL_GRID_SHARE) {
                cells.put("full", Base64.getEncoder().encodeToString(now));
            } else {
                ArrayNode set = cells.putArray("set");
                for (int i = 0; i < now.length; i++) {
                    if (now[i] != client.cells[i]) {
                        set.add(i).add(now[i] & 0xFF);
                    }
                }
            }
        }
        client.cells = now;
        ArrayNode added = frame.putArray("samples");
        long missing = Math.min(samplesTaken - client.samplesSent, samples.size());
        int skip = (int) (samples.size() - missing);
        int k = 0;
        for (ObjectNode s : samples) {
            if (k++ >= skip) {
                added.add(s);
            }
        }
        client.samplesSent = samplesTaken;
        return frame;
    }

    /** Executions per status, every status present (0 when none), named as AWS names them. */
    private static ObjectNode executions(Map<JobExecutionStatus, Integer> counts) {
        ObjectNode out = JSON.createObjectNode();
        for (JobExecutionStatus status : JobExecutionStatus.values()) {
            out.put(status.name(), counts.getOrDefault(status, 0));
        }
        return out;
    }

    private static ObjectNode job(Job job, LiveRun.Rollout rollout) {
        ObjectNode j = JSON.createObjectNode();
        j.put("jobId", job.jobId());
        j.put("status", job.statusAsString());
        if (job.reasonCode() != null) {
            j.put("reasonCode", job.reasonCode());
        }
        if (job.comment() != null) {
            j.put("comment", job.comment());
        }
        if (Boolean.TRUE.equals(job.forceCanceled())) {
            j.put("forceCanceled", true);
        }
        Map<JobExecutionStatus, Integer> counts = RunReport.counts(job.jobProcessDetails());
        j.set("executions", executions(counts));
        if (rollout != null) {
            j.putObject("rollout").put("notified", rollout.notified()).put("allowed", rollout.allowed());
        }
        if (job.abortConfig() != null && job.abortConfig().criteriaList() != null) {
            // Measured as the service measures it (AbortMath): failures of the type among every terminal execution.
            long executed = AbortMath.completed(counts);
            ArrayNode abort = j.putArray("abort");
            for (AbortCriteria a : job.abortConfig().criteriaList()) {
                long failures = AbortMath.matching(a.failureTypeAsString(), counts);
                abort.addObject()
                        .put("failureType", a.failureTypeAsString())
                        .put("action", a.actionAsString())
                        .put("thresholdPercentage", a.thresholdPercentage())
                        .put("minNumberOfExecutedThings", a.minNumberOfExecutedThings())
                        .put("executed", executed)
                        .put("failurePercentage", executed == 0 ? 0 : round(failures * 100.0 / executed));
            }
        }
        return j;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}

package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.AbortMath;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.RolloutMath;
import dev.fleetsim.metrics.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobProcessDetails;
import software.amazon.awssdk.services.iot.model.JobStatus;

/**
 * What a run showed, as {@code report.json} (schema {@value #SCHEMA}, documented in {@code scenarios/README.md}) and a
 * self-contained {@code report.html} with plots; the expectations are checked here.
 */
public final class RunReport {
    public static final String SCHEMA = "fleetsim-report/1";
    private static final List<JobExecutionStatus> STATUSES = List.of(
            JobExecutionStatus.QUEUED,
            JobExecutionStatus.IN_PROGRESS,
            JobExecutionStatus.SUCCEEDED,
            JobExecutionStatus.FAILED,
            JobExecutionStatus.REJECTED,
            JobExecutionStatus.TIMED_OUT,
            JobExecutionStatus.CANCELED,
            JobExecutionStatus.REMOVED);

    /**
     * One progress sample: times, connected devices, cumulative downloaded bytes, and the process's resources (heap in
     * use, heap right after the latest collection, open files, threads) that tell whether a soak stays flat.
     */
    public record Sample(
            double realSeconds,
            double simulatedSeconds,
            int connected,
            long downloadedBytes,
            long heapBytes,
            long heapAfterGcBytes,
            long openFiles,
            int threads) {}

    /**
     * The soak's verdict on resources: each figure at the start of the run's second tenth (after ramp-up), at the
     * end, and its highest; heap after GC is the floor a leak raises.
     */
    private static ObjectNode resources(List<Sample> samples) {
        ObjectNode r = JobsJson.mapper().createObjectNode();
        List<Sample> measured =
                samples.stream().filter(s -> s.heapAfterGcBytes() >= 0).toList();
        if (measured.size() < 2) {
            return r;
        }
        Sample early = measured.get(measured.size() / 10);
        Sample last = measured.get(measured.size() - 1);
        r.put("fromRealSeconds", round(early.realSeconds()));
        r.put("toRealSeconds", round(last.realSeconds()));
        put(
                r,
                "heapAfterGcBytes",
                early.heapAfterGcBytes(),
                last.heapAfterGcBytes(),
                measured.stream().mapToLong(Sample::heapAfterGcBytes).max().orElse(0));
        put(
                r,
                "openFiles",
                early.openFiles(),
                last.openFiles(),
                measured.stream().mapToLong(Sample::openFiles).max().orElse(0));
        put(
                r,
                "threads",
                early.threads(),
                last.threads(),
                measured.stream().mapToLong(Sample::threads).max().orElse(0));
        return r;
    }

    private static void put(ObjectNode r, String name, long early, long last, long max) {
        r.putObject(name).put("early", early).put("end", last).put("max", max);
    }

    /** One checked expectation. */
    public record Check(String text, boolean passed, String actual) {}

    private final ObjectNode json;
    private final List<Check> checks;
    private final boolean timedOut;
    private final boolean allSucceeded;

    private RunReport(ObjectNode json, List<Check> checks, boolean timedOut, boolean allSucceeded) {
        this.json = json;
        this.checks = checks;
        this.timedOut = timedOut;
        this.allSucceeded = allSucceeded;
    }

    public ObjectNode json() {
        return json;
    }

    public List<Check> checks() {
        return checks;
    }

    public boolean timedOut() {
        return timedOut;
    }

    /**
     * Passed: with expectations, every one holds; without, every execution of every job SUCCEEDED. Either way the run
     * must not have hit its timeout.
     */
    public boolean passed() {
        return !timedOut && (checks.isEmpty() ? allSucceeded : checks.stream().allMatch(Check::passed));
    }

    static RunReport build(
            Scenario scenario,
            RunObserver observer,
            Map<String, Job> jobs,
            Map<String, Instant> createdAt,
            Map<String, List<Instant>> queuedAt,
            Map<String, List<RunObserver.Terminal>> completions,
            List<Sample> samples,
            boolean timedOut,
            double realSeconds,
            double simulatedSeconds) {
        ObjectNode root = JobsJson.mapper().createObjectNode();
        root.put("schema", SCHEMA);
        root.put("scenario", scenario.name());
        root.put("file", String.valueOf(scenario.source()));
        root.put("seed", scenario.seed());
        root.put("devices", scenario.fleet().count());
        root.put("timeScale", scenario.timeScale());
        root.put("realSeconds", round(realSeconds));
        root.put("simulatedSeconds", round(simulatedSeconds));
        root.put("timedOut", timedOut);
        putDeviceCounts(root, observer.counts().totals(), realSeconds);

        boolean allSucceeded = true;
        Map<String, ObjectNode> jobNodes = new LinkedHashMap<>();
        ArrayNode jobArray = root.putArray("jobs");
        for (Scenario.JobSpec spec : scenario.jobs()) {
            Job job = jobs.get(spec.jobId());
            ObjectNode j = jobArray.addObject();
            j.put("jobId", spec.jobId());
            jobNodes.put(spec.jobId(), j);
            if (job == null) {
                j.put("status", "NOT_CREATED");
                allSucceeded = false;
                continue;
            }
            j.put("status", job.statusAsString());
            if (job.reasonCode() != null) {
                j.put("reasonCode", job.reasonCode());
            }
            JobProcessDetails d = job.jobProcessDetails();
            Map<JobExecutionStatus, Integer> counts = counts(d);
            int targets = counts.values().stream().mapToInt(Integer::intValue).sum();
            j.put("executionsTotal", targets);
            ObjectNode ex = j.putObject("executions");
            counts.forEach((s, n) -> ex.put(s.name(), n));
            if (job.status() != JobStatus.COMPLETED || counts.get(JobExecutionStatus.SUCCEEDED) != targets) {
                allSucceeded = false;
            }
            Instant created = createdAt.get(spec.jobId());
            j.put("createdAt", created.toString());
            if (job.completedAt() != null) {
                j.put("completedAt", job.completedAt().toString());
            }
            if (!completions.containsKey(spec.jobId())) {
                // Past the retention (target.local.retention): counts and status only, its series were let go.
                j.put("retired", true);
                continue;
            }
            j.set(
                    "rollout",
                    rollout(
                            spec,
                            scenario.rolloutRateIncrease(),
                            observer,
                            created,
                            queuedAt.getOrDefault(spec.jobId(), List.of()),
                            completions.getOrDefault(spec.jobId(), List.of())));
            // As the service recorded them (ListJobExecutionsForJob: status and lastUpdatedAt of each thing's latest
            // execution), so the abort point is the service's, not delayed by the answer's trip to the device.
            List<RunObserver.Terminal> done = completions.getOrDefault(spec.jobId(), List.of());
            j.set("statusSeries", statusSeries(done, created));
            j.set("abort", abort(spec, job, done, created));
        }

        ObjectNode phases = root.putObject("phases");
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        for (Phase phase : Phase.values()) {
            Histogram h = observer.total(phase);
            histograms.put(phase.label(), h);
            phases.set(phase.label(), phaseSummary(h));
        }

        ArrayNode sampleArray = root.putArray("samples");
        for (Sample s : samples) {
            sampleArray
                    .addObject()
                    .put("realSeconds", round(s.realSeconds()))
                    .put("simulatedSeconds", round(s.simulatedSeconds()))
                    .put("connected", s.connected())
                    .put("downloadedBytes", s.downloadedBytes())
                    .put("heapBytes", s.heapBytes())
                    .put("heapAfterGcBytes", s.heapAfterGcBytes())
                    .put("openFiles", s.openFiles())
                    .put("threads", s.threads());
        }
        root.set("resources", resources(samples));

        List<Check> checks = new ArrayList<>();
        for (Scenario.Expectation e : scenario.expectations()) {
            checks.add(check(e, jobNodes, histograms, root));
        }
        ArrayNode exp = root.putArray("expectations");
        for (Check c : checks) {
            exp.addObject()
                    .put("expectation", c.text())
                    .put("passed", c.passed())
                    .put("actual", c.actual());
        }
        RunReport report = new RunReport(root, checks, timedOut, allSucceeded);
        root.put("passed", report.passed());
        return report;
    }

    /** A job's executions per status, from DescribeJob's process details (every status, 0 when absent). */
    /** Executions per status as DescribeJob's details count them (0 where absent). */
    public static Map<JobExecutionStatus, Integer> counts(JobProcessDetails d) {
        if (d == null) {
            d = JobProcessDetails.builder().build();
        }
        Map<JobExecutionStatus, Integer> m = new EnumMap<>(JobExecutionStatus.class);
        m.put(JobExecutionStatus.QUEUED, nz(d.numberOfQueuedThings()));
        m.put(JobExecutionStatus.IN_PROGRESS, nz(d.numberOfInProgressThings()));
        m.put(JobExecutionStatus.SUCCEEDED, nz(d.numberOfSucceededThings()));
        m.put(JobExecutionStatus.FAILED, nz(d.numberOfFailedThings()));
        m.put(JobExecutionStatus.REJECTED, nz(d.numberOfRejectedThings()));
        m.put(JobExecutionStatus.TIMED_OUT, nz(d.numberOfTimedOutThings()));
        m.put(JobExecutionStatus.CANCELED, nz(d.numberOfCanceledThings()));
        m.put(JobExecutionStatus.REMOVED, nz(d.numberOfRemovedThings()));
        return m;
    }

    private static int nz(Integer n) {
        return n == null ? 0 : n;
    }

    /**
     * Per simulated minute since creation, from the service: executions notified (queued: the rollout creates an
     * execution when it notifies its thing, spec §5.2, so ListJobExecutionsForJob's {@code queuedAt} is the notification
     * time), and what AWS's formula allowed given the things notified and succeeded (the service's terminal times)
     * before that minute and the targets still waiting (spec §5.2, with the scenario's {@link RateIncrease}); with the
     * largest difference. Beside them, the executions devices took up in that minute (first notification of each): what
     * the fleet saw, late by the notification's trip. Taken from the service, the series is the same however the fleet
     * is spread over processes. Retried executions show with their latest {@code queuedAt}, so a job with retries shows
     * them as deviation.
     */
    private static ObjectNode rollout(
            Scenario.JobSpec spec,
            RateIncrease increase,
            RunObserver observer,
            Instant created,
            List<Instant> queuedAt,
            List<RunObserver.Terminal> completions) {
        ObjectNode out = JobsJson.mapper().createObjectNode();
        JobConfig.Rollout config = spec.config("jobExecutionsRolloutConfig", JobConfig.Rollout.class);
        long[] notifiedAt =
                queuedAt.stream().mapToLong(Instant::toEpochMilli).sorted().toArray();
        List<Long> received = observer.receivedTimes(spec.jobId());
        long origin = created.toEpochMilli();
        int minutes = 0;
        for (long t : notifiedAt) {
            minutes = Math.max(minutes, (int) ((t - origin) / 60_000) + 1);
        }
        for (long t : received) {
            minutes = Math.max(minutes, (int) ((t - origin) / 60_000) + 1);
        }
        ArrayNode series = out.putArray("perMinute");
        long notifiedBefore = 0;
        int maxDeviation = 0;
        for (int m = 0; m < minutes; m++) {
            long start = origin + m * 60_000L;
            long end = start + 60_000L;
            long notified =
                    Arrays.stream(notifiedAt).filter(t -> t >= start && t < end).count();
            long succeededBefore = completions.stream()
                    .filter(t -> t.status() == JobExecutionStatus.SUCCEEDED && t.simulatedMillis() < start)
                    .count();
            long pending = Math.max(0, notifiedAt.length - notifiedBefore);
            long allowed = RolloutMath.allowedInMinute(config, notifiedBefore, succeededBefore, pending, increase);
            int deviation = (int) Math.abs(notified - allowed);
            maxDeviation = Math.max(maxDeviation, deviation);
            long takenUp = received.stream().filter(t -> t >= start && t < end).count();
            series.addObject()
                    .put("minute", m)
                    .put("notified", notified)
                    .put("allowed", allowed)
                    .put("takenUp", takenUp);
            notifiedBefore += notified;
        }
        out.put("maxDeviation", maxDeviation);
        return out;
    }

    /** Cumulative terminal statuses per simulated minute since creation. */
    private static ArrayNode statusSeries(List<RunObserver.Terminal> terminals, Instant created) {
        ArrayNode out = JobsJson.mapper().createArrayNode();
        if (terminals.isEmpty()) {
            return out;
        }
        long last = terminals.stream()
                .mapToLong(RunObserver.Terminal::simulatedMillis)
                .max()
                .orElse(0);
        int minutes = (int) ((last - created.toEpochMilli()) / 60_000) + 1;
        for (int m = 0; m <= minutes; m++) {
            long end = created.toEpochMilli() + m * 60_000L;
            ObjectNode row = out.addObject().put("minute", m);
            for (JobExecutionStatus s : List.of(
                    JobExecutionStatus.SUCCEEDED,
                    JobExecutionStatus.FAILED,
                    JobExecutionStatus.REJECTED,
                    JobExecutionStatus.TIMED_OUT)) {
                row.put(
                        s.name(),
                        terminals.stream()
                                .filter(t -> t.status() == s && t.simulatedMillis() <= end)
                                .count());
            }
        }
        return out;
    }

    /**
     * Whether {@code abortConfig} stopped the job; when, and the counts devices had reported by then; and at which
     * completed-execution count AWS's rule (§5.4) first trips given the order devices reported in.
     */
    private static ObjectNode abort(
            Scenario.JobSpec spec, Job job, List<RunObserver.Terminal> terminals, Instant created) {
        ObjectNode out = JobsJson.mapper().createObjectNode();
        boolean aborted = job.status() == JobStatus.CANCELED && "FAILURE_THRESHOLD_EXCEEDED".equals(job.reasonCode());
        out.put("aborted", aborted);
        if (spec.request().has("abortConfig")) {
            JobConfig.Abort config = spec.config("abortConfig", JobConfig.Abort.class);
            if (config == null) {
                out.put("expectedAtCompleted", (String) null);
            } else {
                Map<JobExecutionStatus, Integer> counts = new EnumMap<>(JobExecutionStatus.class);
                for (int i = 0; i < terminals.size(); i++) {
                    counts.merge(terminals.get(i).status(), 1, Integer::sum);
                    if (AbortMath.tripped(config, counts) != null) {
                        out.put("expectedAtCompleted", i + 1);
                        break;
                    }
                }
            }
        }
        if (aborted && job.lastUpdatedAt() != null) {
            Instant at = job.lastUpdatedAt();
            out.put("atSimulatedSeconds", round((at.toEpochMilli() - created.toEpochMilli()) / 1000.0));
            // Completed up to the abort, without the QUEUED executions the abort itself canceled at that instant.
            List<RunObserver.Terminal> before = terminals.stream()
                    .filter(t -> t.simulatedMillis() <= at.toEpochMilli())
                    .filter(t ->
                            !(t.status() == JobExecutionStatus.CANCELED && t.simulatedMillis() == at.toEpochMilli()))
                    .toList();
            out.put("completed", before.size());
            // The statuses in the order the service recorded them: data to check the rule against.
            ArrayNode inOrder = out.putArray("completedInOrder");
            before.forEach(t -> inOrder.add(t.status().name()));
            ObjectNode byStatus = out.putObject("byStatus");
            for (JobExecutionStatus s : List.of(
                    JobExecutionStatus.SUCCEEDED,
                    JobExecutionStatus.FAILED,
                    JobExecutionStatus.REJECTED,
                    JobExecutionStatus.TIMED_OUT)) {
                byStatus.put(
                        s.name(), before.stream().filter(t -> t.status() == s).count());
            }
        }
        return out;
    }

    private static Check check(
            Scenario.Expectation e, Map<String, ObjectNode> jobs, Map<String, Histogram> phases, ObjectNode json) {
        if (e instanceof Scenario.Expectation.Latency l) {
            Histogram h = phases.get(l.phase());
            if (h == null || h.getTotalCount() == 0) {
                return new Check(l.text(), false, "no samples");
            }
            double value = l.percentile() >= 100 ? h.getMaxValue() / 1000.0 : ms(h, l.percentile());
            double scale = json.path("timeScale").asDouble(1);
            String actual = scale == 1 || l.phase().equals(Phase.CONNECT.label())
                    ? String.format(Locale.ROOT, "%.0f ms", value)
                    : String.format(Locale.ROOT, "%.1f s simulated (%.0f ms real)", value / 1000, value / scale);
            return new Check(l.text(), l.bound().test(value), actual);
        }
        String jobId = e instanceof Scenario.Expectation.JobStatus s
                ? s.jobId()
                : e instanceof Scenario.Expectation.ExecutionCount c
                        ? c.jobId()
                        : e instanceof Scenario.Expectation.RolloutDeviation r
                                ? r.jobId()
                                : ((Scenario.Expectation.Aborted) e).jobId();
        ObjectNode job = jobs.get(jobId);
        if (job == null) {
            return new Check(e.text(), false, "job not created");
        }
        if (e instanceof Scenario.Expectation.JobStatus s) {
            String actual = job.path("status").asText();
            return new Check(s.text(), actual.equals(s.status()), actual);
        }
        if (e instanceof Scenario.Expectation.ExecutionCount c) {
            double n = job.path("executions").path(c.status()).asDouble();
            double total = job.path("executionsTotal").asDouble();
            double actual = c.bound().percent() ? (total == 0 ? 0 : 100 * n / total) : n;
            return new Check(
                    c.text(),
                    c.bound().test(actual),
                    c.bound().percent()
                            ? String.format(Locale.ROOT, "%.1f%% (%d of %d)", actual, (long) n, (long) total)
                            : Long.toString((long) n));
        }
        if (e instanceof Scenario.Expectation.RolloutDeviation r) {
            int actual = job.path("rollout").path("maxDeviation").asInt();
            return new Check(r.text(), r.bound().test(actual), actual + " per minute");
        }
        Scenario.Expectation.Aborted a = (Scenario.Expectation.Aborted) e;
        JsonNode abort = job.path("abort");
        boolean actual = abort.path("aborted").asBoolean();
        if (actual && a.aborted() && abort.has("expectedAtCompleted") && abort.has("completed")) {
            // Aborted, and at the right moment: the first completed count where AWS's rule trips.
            long at = abort.path("completed").asLong();
            long expected = abort.path("expectedAtCompleted").asLong();
            return new Check(
                    a.text() + " at the first completed count where the threshold is crossed",
                    at == expected,
                    "aborted at " + at + " completed executions; the rule trips at " + expected);
        }
        return new Check(a.text(), actual == a.aborted(), actual ? "aborted" : "not aborted");
    }

    /** The report's {@code mqtt} and {@code download} sections: a run's devices, or a merge of shards'. */
    public static void putDeviceCounts(ObjectNode root, FleetMeters.Totals totals, double realSeconds) {
        ObjectNode mqtt = root.putObject("mqtt");
        mqtt.put("connects", totals.connects());
        mqtt.put("connectFailures", totals.connectFailures());
        mqtt.put("disconnects", totals.disconnects());
        mqtt.put("requests", totals.requests());
        ObjectNode download = root.putObject("download");
        download.put("bytes", totals.downloadedBytes());
        if (realSeconds > 0) { // a merge without the coordinator's report has no run time
            download.put("mibPerSecond", round(totals.downloadedBytes() / (double) (1 << 20) / realSeconds));
        }
    }

    /** A phase's line in the report: count and percentiles in milliseconds of a histogram in microseconds. */
    public static ObjectNode phaseSummary(Histogram h) {
        return JobsJson.mapper()
                .createObjectNode()
                .put("count", h.getTotalCount())
                .put("p50Ms", ms(h, 50))
                .put("p90Ms", ms(h, 90))
                .put("p99Ms", ms(h, 99))
                .put("p999Ms", ms(h, 99.9))
                .put("maxMs", h.getTotalCount() == 0 ? 0 : round(h.getMaxValue() / 1000.0));
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Writes {@code report.json} and {@code report.html} into {@code dir}. */
    public void write(Path dir) throws IOException {
        write(json, dir);
    }

    /** Writes a report's JSON and its HTML rendering into {@code dir} (a run's, or a merge of shards'). */
    public static void write(JsonNode json, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve("report.json"),
                JobsJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Files.writeString(dir.resolve("report.html"), ReportHtml.render(json));
    }
}

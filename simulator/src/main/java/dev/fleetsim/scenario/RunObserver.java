package dev.fleetsim.scenario;

import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.metrics.Meter;
import dev.fleetsim.metrics.Phase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Everything a run observes, fed through the device listener seam: the fleet's counts and meters
 * ({@link FleetMeters}, the catalogue's run meters), a latency timer per phase, and an HdrHistogram per phase
 * (microseconds; one {@link SingleWriterRecorder} per phase and writing thread, drained once a second into the
 * phase's total and its {@code .hlog} interval log). End-to-end latency is measured from each job's intended start
 * (its scheduled creation), not from when the device first heard of it, so slow notification shows up instead of
 * being hidden (no coordinated omission).
 */
public final class RunObserver implements DeviceListener {
    /** Receives the observer of a run as soon as it exists (e.g. to serve its metrics). */
    @FunctionalInterface
    public interface Sink {
        void accept(RunObserver observer);
    }

    /** A terminal status reported by a device, at a simulated time. */
    public record Terminal(long simulatedMillis, JobExecutionStatus status) {}

    /**
     * What a device shard forwards to its coordinator as it happens: each execution's first notification, each status
     * the service accepted, and each phase's interval histogram at every {@link #drain()}. Called on device loops
     * (receipts, statuses) and the draining thread (intervals); implementations only queue.
     */
    public interface Tap {
        void firstReceipt(String jobId, String thingName, long executionNumber, long simulatedMillis);

        void reported(String jobId, JobExecutionStatus status, long simulatedMillis);

        void interval(Phase phase, Histogram histogram);
    }

    private volatile Tap tap;

    /** The top of the phase timers' histogram buckets: staged rollouts and soak runs have phases of hours. */
    static final Duration LONGEST_PHASE = Duration.ofHours(6);

    private record RecorderKey(Phase phase, long thread) {}

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FleetMeters counts = new FleetMeters(registry);
    private final Clock clock;
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    /** Job id → intended start (nanoTime of its scheduled creation). */
    private final Map<String, Long> jobStart = new ConcurrentHashMap<>();
    /** Job id → simulated epoch millis of each device's first receipt, in order of arrival. */
    private final Map<String, List<Long>> received = new ConcurrentHashMap<>();

    private final Map<String, Map<JobExecutionStatus, AtomicInteger>> reported = new ConcurrentHashMap<>();
    private final Map<String, JobProgress> progress = new ConcurrentHashMap<>();
    private final Map<String, List<Terminal>> terminals = new ConcurrentHashMap<>();
    /** job id → the executions (thing and number) whose first notification was counted. */
    private final Map<String, Set<String>> firstReceipts = new ConcurrentHashMap<>();

    private final Map<RecorderKey, SingleWriterRecorder> recorders = new ConcurrentHashMap<>();
    private final Map<Phase, Histogram> totals = new EnumMap<>(Phase.class);
    /** The Prometheus timer of each phase, registered once (events arrive on every device loop). */
    private final Map<Phase, Timer> timers = new EnumMap<>(Phase.class);

    private final Map<Phase, HistogramLogWriter> logs = new ConcurrentHashMap<>();
    private final AtomicLong logStart = new AtomicLong(System.currentTimeMillis());

    /** Simulated seconds per real second: job phases are recorded in simulated time. */
    private final double timeScale;

    public RunObserver(Clock clock) {
        this(clock, 1);
    }

    /**
     * An observer of a run at {@code timeScale}: job phases (notify-to-start, download, install, report, end-to-end)
     * are recorded in simulated time, as the scenario states its durations (an {@code install: 2m} at 60x records two
     * minutes, not two seconds); connect is recorded in real time, where the network is the point.
     */
    public RunObserver(Clock clock, double timeScale) {
        this.clock = clock;
        this.timeScale = timeScale;
        for (Phase phase : Phase.values()) {
            totals.put(phase, new Histogram(3));
            timers.put(phase, Meter.PHASE.timer(registry, LONGEST_PHASE, phase.label()));
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Writes each phase's interval histograms to {@code dir/<phase>.hlog} from now on. */
    public void logTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        logStart.set(System.currentTimeMillis());
        for (Phase phase : Phase.values()) {
            HistogramLogWriter w = new HistogramLogWriter(
                    new PrintStream(dir.resolve(phase.label() + ".hlog").toFile(), "UTF-8"));
            w.outputComment("fleetsim phase '" + phase.label() + "', values in "
                    + (phase == Phase.CONNECT ? "real" : "simulated") + " microseconds");
            w.outputLogFormatVersion();
            w.outputStartTime(logStart.get());
            w.outputLegend();
            logs.put(phase, w);
        }
    }

    /** The job is (about to be) created: its intended start for end-to-end latency; its series start at 0. */
    public void jobStarting(String jobId, long intendedNanos) {
        jobStart.put(jobId, intendedNanos);
        received.putIfAbsent(jobId, Collections.synchronizedList(new ArrayList<>()));
        counts.jobKnown(jobId);
        progress.computeIfAbsent(jobId, id -> new JobProgress(registry, id));
    }

    /** {@code fleetsim_run_info}: which scenario this process runs, so dashboards tell runs apart. */
    public void runInfo(String scenario, long seed, double timeScale) {
        Meter.RUN_INFO.gauge(registry, this, o -> 1, scenario, Long.toString(seed), String.valueOf(timeScale));
    }

    /**
     * The job as the run sees it now: executions per status (the service's counts), notified in the last simulated
     * minute, and what AWS's rollout formula allows now.
     */
    public void jobProgress(
            String jobId, Map<JobExecutionStatus, Integer> byStatus, long notifiedLastMinute, long allowedPerMinute) {
        JobProgress p = progress.computeIfAbsent(jobId, id -> new JobProgress(registry, id));
        byStatus.forEach((status, n) -> p.byStatus.get(status).set(n));
        p.notified.set(notifiedLastMinute);
        p.allowed.set(allowedPerMinute);
    }

    /** The gauges of one job, removed with it. */
    private static final class JobProgress {
        final Map<JobExecutionStatus, AtomicLong> byStatus = new EnumMap<>(JobExecutionStatus.class);
        final AtomicLong notified = new AtomicLong();
        final AtomicLong allowed = new AtomicLong();
        final List<Gauge> meters = new ArrayList<>();

        JobProgress(MeterRegistry registry, String jobId) {
            for (JobExecutionStatus s : JobExecutionStatus.values()) {
                AtomicLong n = new AtomicLong();
                byStatus.put(s, n);
                meters.add(Meter.JOB_EXECUTIONS.gauge(registry, n, AtomicLong::get, jobId, s.name()));
            }
            meters.add(Meter.ROLLOUT_NOTIFIED.gauge(registry, notified, AtomicLong::get, jobId));
            meters.add(Meter.ROLLOUT_ALLOWED.gauge(registry, allowed, AtomicLong::get, jobId));
        }

        void remove(MeterRegistry registry) {
            meters.forEach(registry::remove);
        }
    }

    // ------------------------------------------------------------------ the listener seam

    @Override
    public void connectStart(String thingName, long nanoTime) {
        started.put(thingName + "\u0000connect", nanoTime);
    }

    @Override
    public void connectEnd(String thingName, long nanoTime) {
        counts.connectEnd(thingName, nanoTime);
        Long start = started.remove(thingName + "\u0000connect");
        if (start != null) {
            record(Phase.CONNECT, start, nanoTime);
        }
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        counts.connectFailed(thingName, nanoTime, cause);
        started.remove(thingName + "\u0000connect");
    }

    @Override
    public void disconnected(String thingName, long nanoTime) {
        counts.disconnected(thingName, nanoTime);
    }

    @Override
    public void ready(String thingName, long nanoTime) {
        counts.ready(thingName, nanoTime);
    }

    @Override
    public void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {
        counts.jobReceived(thingName, jobId, executionNumber, nanoTime);
        started.putIfAbsent(key(thingName, jobId, "received"), nanoTime); // from the first notification
        List<Long> times = received.get(jobId);
        // A device that reconnects or reboots takes the same execution up again: count its first notification only.
        if (times != null
                && firstReceipts
                        .computeIfAbsent(jobId, j -> ConcurrentHashMap.newKeySet())
                        .add(thingName + '\u0000' + executionNumber)) {
            long now = clock.millis();
            times.add(now);
            Tap t = tap;
            if (t != null) {
                t.firstReceipt(jobId, thingName, executionNumber, now);
            }
        }
    }

    @Override
    public void requestAccepted(String thingName, JobsTopic.Operation operation, long nanoTime) {
        counts.requestAccepted(thingName, operation, nanoTime);
    }

    @Override
    public void requestRejected(String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long t) {
        counts.requestRejected(thingName, operation, code, t);
    }

    @Override
    public void phaseStart(String thingName, String jobId, String phase, long nanoTime) {
        started.put(key(thingName, jobId, "phase:" + phase), nanoTime);
    }

    @Override
    public void phaseEnd(String thingName, String jobId, String phase, long nanoTime) {
        Long start = started.remove(key(thingName, jobId, "phase:" + phase));
        if (start != null && phase.equals(Phase.INSTALL.label())) {
            record(Phase.INSTALL, start, nanoTime);
        }
        started.put(key(thingName, jobId, "lastPhaseEnd"), nanoTime);
    }

    @Override
    public void downloadStart(String thingName, String jobId, String url, long nanoTime) {
        started.put(key(thingName, jobId, "download"), nanoTime);
    }

    @Override
    public void downloadEnd(String thingName, String jobId, long bytes, long nanoTime) {
        counts.downloadEnd(thingName, jobId, bytes, nanoTime);
        Long start = started.remove(key(thingName, jobId, "download"));
        if (start != null) {
            record(Phase.DOWNLOAD, start, nanoTime);
        }
    }

    @Override
    public void downloadFailed(String thingName, String jobId, String reason, long nanoTime) {
        counts.downloadFailed(thingName, jobId, reason, nanoTime);
        started.remove(key(thingName, jobId, "download"));
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        counts.statusReported(thingName, jobId, status, nanoTime);
        reported.computeIfAbsent(jobId, j -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, s -> new AtomicInteger())
                .incrementAndGet();
        Tap t = tap;
        if (t != null) {
            t.reported(jobId, status, clock.millis());
        }
        if (status == JobExecutionStatus.IN_PROGRESS) {
            Long receivedAt = started.remove(key(thingName, jobId, "received"));
            if (receivedAt != null) {
                record(Phase.NOTIFY_TO_START, receivedAt, nanoTime);
            }
            return;
        }
        if (status.isTerminal()) {
            terminals
                    .computeIfAbsent(jobId, j -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Terminal(clock.millis(), status));
            Long lastPhase = started.remove(key(thingName, jobId, "lastPhaseEnd"));
            if (lastPhase != null) {
                record(Phase.REPORT, lastPhase, nanoTime);
            }
            Long intended = jobStart.get(jobId);
            if (intended != null) {
                record(Phase.END_TO_END, intended, nanoTime);
            }
            started.remove(key(thingName, jobId, "received"));
        }
    }

    private static String key(String thing, String job, String what) {
        return thing + '\u0000' + job + '\u0000' + what;
    }

    /**
     * Records a phase from {@code startNanos} to {@code endNanos} ({@link System#nanoTime()} readings): connect in real
     * time, the others in simulated time (across pauses and scale changes of a {@link VirtualClock}).
     */
    private void record(Phase phase, long startNanos, long endNanos) {
        long realNanos = endNanos - startNanos;
        long nanos = phase == Phase.CONNECT
                ? realNanos
                : clock instanceof VirtualClock virtual
                        ? virtual.simulatedNanos(startNanos, endNanos)
                        : (long) (realNanos * timeScale);
        long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
        recorders
                .computeIfAbsent(
                        new RecorderKey(phase, Thread.currentThread().getId()), k -> new SingleWriterRecorder(3))
                .recordValue(micros);
        timers.get(phase).record(Duration.ofNanos(Math.max(0, nanos)));
    }

    // ------------------------------------------------------------------ devices in other processes

    /** Forwards what this process's devices observe to {@code tap} from now on (a device shard). */
    public void tap(Tap tap) {
        this.tap = tap;
    }

    /**
     * A first notification seen by a device in another process (a coordinator's shard): counted as if seen here, once
     * per execution, so a shard that restarts and takes the same execution up again does not count it twice.
     */
    public void absorbReceipt(String jobId, String thingName, long executionNumber, long simulatedMillis) {
        List<Long> times = received.get(jobId);
        if (times != null
                && firstReceipts
                        .computeIfAbsent(jobId, j -> ConcurrentHashMap.newKeySet())
                        .add(thingName + '\u0000' + executionNumber)) {
            times.add(simulatedMillis);
        }
    }

    /** A status the service accepted from a device in another process. */
    public void absorbReported(String jobId, JobExecutionStatus status, long simulatedMillis) {
        if (!jobStart.containsKey(jobId)) {
            return; // not this run's, or forgotten
        }
        reported.computeIfAbsent(jobId, j -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, s -> new AtomicInteger())
                .incrementAndGet();
        if (status.isTerminal()) {
            terminals
                    .computeIfAbsent(jobId, j -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Terminal(simulatedMillis, status));
        }
    }

    /** A phase's interval histogram from another process: merged exactly into the total and the phase's log. */
    public synchronized void absorb(Phase phase, Histogram interval) {
        if (interval.getTotalCount() == 0) {
            return;
        }
        totals.get(phase).add(interval);
        HistogramLogWriter w = logs.get(phase);
        if (w != null) {
            Histogram h = interval.copy();
            h.setStartTimeStamp(logStart.get());
            h.setEndTimeStamp(System.currentTimeMillis());
            w.outputIntervalHistogram(h);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Drains every recorder into the totals and the interval logs; call about once a second, from one thread. */
    public synchronized void drain() {
        Map<Phase, Histogram> interval = new EnumMap<>(Phase.class);
        recorders.forEach((key, recorder) ->
                interval.computeIfAbsent(key.phase(), p -> new Histogram(3)).add(recorder.getIntervalHistogram()));
        Tap t = tap;
        interval.forEach((phase, h) -> {
            if (t != null) {
                t.interval(phase, h);
            }
            totals.get(phase).add(h);
            HistogramLogWriter w = logs.get(phase);
            if (w != null && h.getTotalCount() > 0) {
                h.setStartTimeStamp(logStart.get());
                h.setEndTimeStamp(System.currentTimeMillis());
                w.outputIntervalHistogram(h);
            }
        });
    }

    /** The latency histogram of a phase so far, in microseconds (after {@link #drain()}). */
    public synchronized Histogram total(Phase phase) {
        return totals.get(phase).copy();
    }

    /** The fleet's counts: connections, requests, downloads. */
    public FleetMeters counts() {
        return counts;
    }

    /** Simulated epoch millis at which devices took up executions of the job. */
    public List<Long> receivedTimes(String jobId) {
        List<Long> times = received.get(jobId);
        synchronized (times == null ? this : times) {
            return times == null ? List.of() : List.copyOf(times);
        }
    }

    /** Terminal statuses of the job's executions as devices reported them, in order. */
    public List<Terminal> terminals(String jobId) {
        List<Terminal> list = terminals.get(jobId);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    /**
     * Lets go of everything kept per execution of a finished job (notification and terminal times, de-duplication keys,
     * its meter series), so that a soak's memory stays flat; the phase histograms and fleet totals keep what they hold.
     */
    public void forget(String jobId) {
        jobStart.remove(jobId);
        received.remove(jobId);
        reported.remove(jobId);
        terminals.remove(jobId);
        firstReceipts.remove(jobId);
        String marker = '\u0000' + jobId + '\u0000';
        started.keySet().removeIf(k -> k.contains(marker)); // phases of executions that never ended (timed out)
        counts.jobForgotten(jobId);
        JobProgress p = progress.remove(jobId);
        if (p != null) {
            p.remove(registry);
        }
    }

    public int reported(String jobId, JobExecutionStatus status) {
        Map<JobExecutionStatus, AtomicInteger> m = reported.get(jobId);
        AtomicInteger n = m == null ? null : m.get(status);
        return n == null ? 0 : n.get();
    }

    public void close() {
        logs.values().forEach(w -> w.close());
    }
}

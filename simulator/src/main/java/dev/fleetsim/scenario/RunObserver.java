package dev.fleetsim.scenario;

import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Everything a run observes, fed through the device listener seam: Micrometer meters (scraped by Prometheus, one
 * catalogue: {@link #CATALOGUE}) and an HdrHistogram per phase (microseconds; one {@link SingleWriterRecorder} per
 * phase and writing thread, drained once a second into the phase's total and its {@code .hlog} interval log).
 * End-to-end latency is measured from each job's intended start (its scheduled creation), not from when the device
 * first heard of it, so slow notification shows up instead of being hidden (no coordinated omission).
 */
public final class RunObserver implements DeviceListener {
    /** Receives the observer of a run as soon as it exists (e.g. to serve its metrics). */
    @FunctionalInterface
    public interface Sink {
        void accept(RunObserver observer);
    }

    /** A terminal status reported by a device, at a simulated time. */
    public record Terminal(long simulatedMillis, JobExecutionStatus status) {}

    /** Meter name → meaning, for the README and {@code /metrics}. */
    public static final Map<String, String> CATALOGUE = Map.ofEntries(
            Map.entry("fleetsim_devices_connected", "devices with an MQTT connection now"),
            Map.entry("fleetsim_connects_total", "MQTT connections established (CONNACK)"),
            Map.entry("fleetsim_connect_failures_total", "connection attempts that failed"),
            Map.entry("fleetsim_disconnects_total", "connections lost unplanned"),
            Map.entry(
                    "fleetsim_requests_total",
                    "Jobs requests answered, by operation and result (accepted, or the" + " rejection code)"),
            Map.entry("fleetsim_jobs_received_total", "executions taken up by devices, by job"),
            Map.entry("fleetsim_executions_reported_total", "statuses accepted by the service, by job and status"),
            Map.entry("fleetsim_download_bytes_total", "artifact bytes downloaded and verified"),
            Map.entry("fleetsim_download_failures_total", "downloads that failed or were refused"),
            Map.entry(
                    "fleetsim_phase_seconds",
                    "latency of each job phase: connect, notify-to-start, download," + " install, report, end-to-end"));

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Clock clock;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger ready = new AtomicInteger();
    private final Counter connects;
    private final Counter connectFailures;
    private final Counter disconnects;
    private final Counter downloadBytes;
    private final Counter downloadFailures;
    private final LongAdder downloadedBytes = new LongAdder();
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    /** Job id → intended start (nanoTime of its scheduled creation). */
    private final Map<String, Long> jobStart = new ConcurrentHashMap<>();
    /** Job id → simulated epoch millis of each device's first receipt, in order of arrival. */
    private final Map<String, List<Long>> received = new ConcurrentHashMap<>();

    private final Map<String, Map<JobExecutionStatus, AtomicInteger>> reported = new ConcurrentHashMap<>();
    private final Map<String, List<Terminal>> terminals = new ConcurrentHashMap<>();
    private final Set<String> firstReceipts = ConcurrentHashMap.newKeySet();
    private final Map<String, SingleWriterRecorder> recorders = new ConcurrentHashMap<>();
    private final Map<String, Histogram> totals = new ConcurrentHashMap<>();
    /** The Prometheus timer of each phase, registered once (events arrive on every device loop). */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    private final Map<String, HistogramLogWriter> logs = new ConcurrentHashMap<>();
    private final AtomicLong logStart = new AtomicLong(System.currentTimeMillis());

    public RunObserver(Clock clock) {
        this.clock = clock;
        connects = counter("fleetsim_connects_total");
        connectFailures = counter("fleetsim_connect_failures_total");
        disconnects = counter("fleetsim_disconnects_total");
        downloadBytes = counter("fleetsim_download_bytes_total");
        downloadFailures = counter("fleetsim_download_failures_total");
        Gauge.builder("fleetsim_devices_connected", connected, AtomicInteger::get)
                .description(CATALOGUE.get("fleetsim_devices_connected"))
                .register(registry);
        for (String phase : ScenarioLoader.PHASES) {
            totals.put(phase, new Histogram(3));
            timers.put(
                    phase,
                    Timer.builder("fleetsim_phase_seconds")
                            .description(CATALOGUE.get("fleetsim_phase_seconds"))
                            .tag("phase", phase)
                            .publishPercentileHistogram()
                            .register(registry));
        }
    }

    private Counter counter(String name) {
        return Counter.builder(name).description(CATALOGUE.get(name)).register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Writes each phase's interval histograms to {@code dir/<phase>.hlog} from now on. */
    public void logTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        logStart.set(System.currentTimeMillis());
        for (String phase : ScenarioLoader.PHASES) {
            HistogramLogWriter w = new HistogramLogWriter(
                    new PrintStream(dir.resolve(phase + ".hlog").toFile(), "UTF-8"));
            w.outputComment("fleetsim phase '" + phase + "', values in microseconds");
            w.outputLogFormatVersion();
            w.outputStartTime(logStart.get());
            w.outputLegend();
            logs.put(phase, w);
        }
    }

    /** The job is (about to be) created: its intended start for end-to-end latency. */
    public void jobStarting(String jobId, long intendedNanos) {
        jobStart.put(jobId, intendedNanos);
        received.putIfAbsent(jobId, Collections.synchronizedList(new ArrayList<>()));
    }

    // ------------------------------------------------------------------ the listener seam

    @Override
    public void connectStart(String thingName, long nanoTime) {
        started.put(thingName + "\u0000connect", nanoTime);
    }

    @Override
    public void connectEnd(String thingName, long nanoTime) {
        connected.incrementAndGet();
        connects.increment();
        Long start = started.remove(thingName + "\u0000connect");
        if (start != null) {
            record("connect", nanoTime - start);
        }
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        connectFailures.increment();
        started.remove(thingName + "\u0000connect");
    }

    @Override
    public void disconnected(String thingName, long nanoTime) {
        connected.decrementAndGet();
        disconnects.increment();
    }

    @Override
    public void ready(String thingName, long nanoTime) {
        ready.incrementAndGet();
    }

    @Override
    public void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {
        started.putIfAbsent(key(thingName, jobId, "received"), nanoTime); // from the first notification
        registry.counter("fleetsim_jobs_received_total", "job", jobId).increment();
        List<Long> times = received.get(jobId);
        // A device that reconnects or reboots takes the same execution up again: count its first notification only.
        if (times != null && firstReceipts.add(thingName + '\u0000' + jobId + '\u0000' + executionNumber)) {
            times.add(clock.millis());
        }
    }

    @Override
    public void requestAccepted(String thingName, JobsTopic.Operation operation, long nanoTime) {
        registry.counter("fleetsim_requests_total", "operation", operation.name(), "result", "accepted")
                .increment();
    }

    @Override
    public void requestRejected(String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long t) {
        registry.counter(
                        "fleetsim_requests_total",
                        "operation",
                        operation.name(),
                        "result",
                        code == null ? "unknown" : code.name())
                .increment();
    }

    @Override
    public void phaseStart(String thingName, String jobId, String phase, long nanoTime) {
        started.put(key(thingName, jobId, "phase:" + phase), nanoTime);
    }

    @Override
    public void phaseEnd(String thingName, String jobId, String phase, long nanoTime) {
        Long start = started.remove(key(thingName, jobId, "phase:" + phase));
        if (start != null && phase.equals("install")) {
            record("install", nanoTime - start);
        }
        started.put(key(thingName, jobId, "lastPhaseEnd"), nanoTime);
    }

    @Override
    public void downloadStart(String thingName, String jobId, String url, long nanoTime) {
        started.put(key(thingName, jobId, "download"), nanoTime);
    }

    @Override
    public void downloadEnd(String thingName, String jobId, long bytes, long nanoTime) {
        Long start = started.remove(key(thingName, jobId, "download"));
        if (start != null) {
            record("download", nanoTime - start);
        }
        downloadBytes.increment(bytes);
        downloadedBytes.add(bytes);
    }

    @Override
    public void downloadFailed(String thingName, String jobId, String reason, long nanoTime) {
        started.remove(key(thingName, jobId, "download"));
        downloadFailures.increment();
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        registry.counter("fleetsim_executions_reported_total", "job", jobId, "status", status.name())
                .increment();
        reported.computeIfAbsent(jobId, j -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, s -> new AtomicInteger())
                .incrementAndGet();
        if (status == JobExecutionStatus.IN_PROGRESS) {
            Long receivedAt = started.remove(key(thingName, jobId, "received"));
            if (receivedAt != null) {
                record("notify-to-start", nanoTime - receivedAt);
            }
            return;
        }
        if (status.isTerminal()) {
            terminals
                    .computeIfAbsent(jobId, j -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Terminal(clock.millis(), status));
            Long lastPhase = started.remove(key(thingName, jobId, "lastPhaseEnd"));
            if (lastPhase != null) {
                record("report", nanoTime - lastPhase);
            }
            Long intended = jobStart.get(jobId);
            if (intended != null) {
                record("end-to-end", nanoTime - intended);
            }
            started.remove(key(thingName, jobId, "received"));
        }
    }

    private static String key(String thing, String job, String what) {
        return thing + '\u0000' + job + '\u0000' + what;
    }

    private void record(String phase, long nanos) {
        long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
        recorders
                .computeIfAbsent(phase + "@" + Thread.currentThread().getId(), k -> new SingleWriterRecorder(3))
                .recordValue(micros);
        timers.get(phase).record(Duration.ofNanos(Math.max(0, nanos)));
    }

    // ------------------------------------------------------------------ reading

    /** Drains every recorder into the totals and the interval logs; call about once a second, from one thread. */
    public synchronized void drain() {
        Map<String, Histogram> interval = new HashMap<>();
        recorders.forEach((name, recorder) -> {
            String phase = name.substring(0, name.indexOf('@'));
            Histogram h = recorder.getIntervalHistogram();
            interval.computeIfAbsent(phase, p -> new Histogram(3)).add(h);
        });
        interval.forEach((phase, h) -> {
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
    public synchronized Histogram total(String phase) {
        return totals.get(phase).copy();
    }

    public int connected() {
        return connected.get();
    }

    public int ready() {
        return ready.get();
    }

    public long downloadedBytes() {
        return downloadedBytes.sum();
    }

    public long connects() {
        return (long) connects.count();
    }

    public long connectFailures() {
        return (long) connectFailures.count();
    }

    public long disconnects() {
        return (long) disconnects.count();
    }

    /** MQTT request answers observed (accepted + rejected). */
    public long requests() {
        return registry.find("fleetsim_requests_total").counters().stream()
                .mapToLong(c -> (long) c.count())
                .sum();
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

    public int reported(String jobId, JobExecutionStatus status) {
        Map<JobExecutionStatus, AtomicInteger> m = reported.get(jobId);
        AtomicInteger n = m == null ? null : m.get(status);
        return n == null ? 0 : n.get();
    }

    public void close() {
        logs.values().forEach(w -> w.close());
    }
}

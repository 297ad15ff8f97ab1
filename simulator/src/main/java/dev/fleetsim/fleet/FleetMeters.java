package dev.fleetsim.fleet;

import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.metrics.Meter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The one listener that counts what a fleet's devices do, into the catalogue's run meters ({@link Meter}) and into
 * plain counters for status lines and reports. {@code fleetsim devices} prints from it; a scenario run's observer
 * feeds it and adds latencies and the report's series.
 *
 * <p>Series whose label values are known in advance are registered at 0 up front: every (operation, result) of the
 * device API now, a job's series when {@link #jobKnown(String)} names it.
 */
public final class FleetMeters implements DeviceListener {
    private final MeterRegistry registry;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger ready = new AtomicInteger();
    private final LongAdder received = new LongAdder();
    private volatile Throwable lastConnectFailure;
    private final LongAdder downloadedBytes = new LongAdder();
    private final Map<JobExecutionStatus, LongAdder> reported = new EnumMap<>(JobExecutionStatus.class);
    private final Counter connects;
    private final Counter connectFailures;
    private final Counter disconnects;
    private final Counter downloadBytes;
    private final Counter downloadFailures;
    /** "operation|result" → counter, every combination registered up front. */
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    /** job id → its counters, registered when the job is known (or on its first event). */
    private final Map<String, JobCounters> jobs = new ConcurrentHashMap<>();

    private record JobCounters(Counter received, Map<JobExecutionStatus, Counter> reported) {}

    public FleetMeters(MeterRegistry registry) {
        this.registry = registry;
        Meter.DEVICES_CONNECTED.gauge(registry, connected, AtomicInteger::get);
        connects = Meter.CONNECTS.counter(registry);
        connectFailures = Meter.CONNECT_FAILURES.counter(registry);
        disconnects = Meter.DISCONNECTS.counter(registry);
        downloadBytes = Meter.DOWNLOAD_BYTES.counter(registry);
        downloadFailures = Meter.DOWNLOAD_FAILURES.counter(registry);
        for (JobExecutionStatus s : JobExecutionStatus.values()) {
            reported.put(s, new LongAdder());
        }
        for (JobsTopic.Operation operation : JobsTopic.Operation.values()) {
            if (operation == JobsTopic.Operation.NOTIFY || operation == JobsTopic.Operation.NOTIFY_NEXT) {
                continue; // notifications are not requests
            }
            request(operation, "accepted");
            for (RejectedErrorCode code : RejectedErrorCode.values()) {
                request(operation, code.name());
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the job's series at 0 (before its first execution arrives, so rate() sees the first increments). */
    public void jobKnown(String jobId) {
        job(jobId);
    }

    /**
     * Removes a finished job's series (a soak creates jobs without end: their series must not pile up in the registry
     * nor in Prometheus); the fleet-wide totals keep what they counted.
     */
    public void jobForgotten(String jobId) {
        JobCounters c = jobs.remove(jobId);
        if (c != null) {
            registry.remove(c.received());
            c.reported().values().forEach(registry::remove);
        }
    }

    private JobCounters job(String jobId) {
        return jobs.computeIfAbsent(jobId, id -> {
            Map<JobExecutionStatus, Counter> byStatus = new EnumMap<>(JobExecutionStatus.class);
            for (JobExecutionStatus s : JobExecutionStatus.values()) {
                byStatus.put(s, Meter.EXECUTIONS_REPORTED.counter(registry, id, s.name()));
            }
            return new JobCounters(Meter.JOBS_RECEIVED.counter(registry, id), byStatus);
        });
    }

    private Counter request(JobsTopic.Operation operation, String result) {
        return requests.computeIfAbsent(
                operation.name() + '|' + result, k -> Meter.REQUESTS.counter(registry, operation.name(), result));
    }

    @Override
    public void connectEnd(String thingName, long nanoTime) {
        connected.incrementAndGet();
        connects.increment();
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        connectFailures.increment();
        lastConnectFailure = cause;
    }

    /** Why the latest connection attempt failed (null when none has): what to tell a user whose fleet stays offline. */
    public Throwable lastConnectFailure() {
        return lastConnectFailure;
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
        received.increment();
        job(jobId).received().increment();
    }

    @Override
    public void requestAccepted(String thingName, JobsTopic.Operation operation, long nanoTime) {
        request(operation, "accepted").increment();
    }

    @Override
    public void requestRejected(String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long t) {
        request(operation, code == null ? "unknown" : code.name()).increment();
    }

    @Override
    public void downloadEnd(String thingName, String jobId, long bytes, long nanoTime) {
        downloadBytes.increment(bytes);
        downloadedBytes.add(bytes);
    }

    @Override
    public void downloadFailed(String thingName, String jobId, String reason, long nanoTime) {
        downloadFailures.increment();
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        reported.get(status).increment();
        job(jobId).reported().get(status).increment();
    }

    // ------------------------------------------------------------------ reading

    /**
     * The fleet's counts as one value: what a device shard sends its coordinator, and what a coordinator adds from its
     * shards ({@link #include}).
     */
    public record Totals(
            long connects,
            long connectFailures,
            long disconnects,
            long requests,
            long downloadedBytes,
            int connected,
            int ready) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0);

        /** The counts without the gauges: what a process that is gone still contributes. */
        public Totals withoutGauges() {
            return new Totals(connects, connectFailures, disconnects, requests, downloadedBytes, 0, 0);
        }

        public Totals plus(Totals o) {
            return new Totals(
                    connects + o.connects,
                    connectFailures + o.connectFailures,
                    disconnects + o.disconnects,
                    requests + o.requests,
                    downloadedBytes + o.downloadedBytes,
                    connected + o.connected,
                    ready + o.ready);
        }
    }

    private volatile Supplier<Totals> remote = () -> Totals.ZERO;

    /** Every device's counts: this process's and those {@link #include}d. */
    public Totals totals() {
        return local().plus(remote.get());
    }

    /** This process's devices only. */
    public Totals local() {
        return new Totals(
                (long) connects.count(),
                (long) connectFailures.count(),
                (long) disconnects.count(),
                requests.values().stream().mapToLong(c -> (long) c.count()).sum(),
                downloadedBytes.sum(),
                connected.get(),
                ready.get());
    }

    /**
     * Counts of devices in other processes (a sharded run's coordinator): every reading below adds them. The meters in
     * the registry stay this process's own, so a dashboard summing every process counts each device once.
     */
    public void include(Supplier<Totals> others) {
        this.remote = others;
    }

    public int connected() {
        return connected.get() + remote.get().connected();
    }

    public int ready() {
        return ready.get() + remote.get().ready();
    }

    /** Executions taken up (first notifications of an execution new to the device, counted per device). */
    public long received() {
        return received.sum();
    }

    /** Statuses of {@code status} the service accepted from devices, over every job. */
    public long reported(JobExecutionStatus status) {
        return reported.get(status).sum();
    }

    public long downloadedBytes() {
        return downloadedBytes.sum() + remote.get().downloadedBytes();
    }

    public long connects() {
        return (long) connects.count() + remote.get().connects();
    }

    public long connectFailures() {
        return (long) connectFailures.count() + remote.get().connectFailures();
    }

    public long disconnects() {
        return (long) disconnects.count() + remote.get().disconnects();
    }

    /** Device-API answers (accepted + rejected). */
    public long requests() {
        return requests.values().stream().mapToLong(c -> (long) c.count()).sum()
                + remote.get().requests();
    }
}

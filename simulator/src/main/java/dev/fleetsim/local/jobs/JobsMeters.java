package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import dev.fleetsim.metrics.Meter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local stack's meters ({@link Meter.Side#LOCAL} in the catalogue). Never labelled by thing or job id. Every
 * (operation, result) of the device API is registered at 0 up front, and the control plane registers each of its
 * operations at 0 when it starts; the gauges are refreshed on the engine thread just before each scrape.
 */
public final class JobsMeters {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<JobStatus, AtomicLong> jobs = new EnumMap<>(JobStatus.class);
    private final Map<JobExecutionStatus, AtomicLong> executions = new EnumMap<>(JobExecutionStatus.class);

    JobsMeters(MeterRegistry registry) {
        this.registry = registry;
        for (JobStatus s : JobStatus.values()) {
            AtomicLong value = new AtomicLong();
            jobs.put(s, value);
            Meter.LOCAL_JOBS.gauge(registry, value, AtomicLong::doubleValue, s.name());
        }
        for (JobExecutionStatus s : JobExecutionStatus.values()) {
            AtomicLong value = new AtomicLong();
            executions.put(s, value);
            Meter.LOCAL_EXECUTIONS.gauge(registry, value, AtomicLong::doubleValue, s.name());
        }
        for (JobsTopic.Operation operation : JobsTopic.Operation.values()) {
            if (operation == JobsTopic.Operation.NOTIFY || operation == JobsTopic.Operation.NOTIFY_NEXT) {
                continue; // the service publishes these; devices do not ask on them
            }
            deviceCounter(operation.name(), "accepted");
            for (RejectedErrorCode code : RejectedErrorCode.values()) {
                deviceCounter(operation.name(), code.name());
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A device-API request answered: {@code result} is {@code accepted} or the rejection code. */
    void deviceRequest(String operation, String result) {
        deviceCounter(operation, result).increment();
    }

    private Counter deviceCounter(String operation, String result) {
        return counters.computeIfAbsent(
                "device|" + operation + '|' + result,
                k -> Meter.LOCAL_DEVICE_REQUESTS.counter(registry, operation, result));
    }

    /** Registers the operation's successful series at 0, so the first requests show in rate(). */
    public void apiOperationKnown(String operation) {
        apiCounter(operation, 200);
    }

    /** A control-plane or data-plane request answered, by AWS operation name and HTTP status. */
    public void apiRequest(String operation, int status) {
        apiCounter(operation, status).increment();
    }

    private Counter apiCounter(String operation, int status) {
        return counters.computeIfAbsent(
                "api|" + operation + '|' + status,
                k -> Meter.LOCAL_API_REQUESTS.counter(registry, operation, Integer.toString(status)));
    }

    /** Engine thread: copies the current counts into the gauges. */
    void refresh(JobsEngine engine) {
        jobs.values().forEach(v -> v.set(0));
        executions.values().forEach(v -> v.set(0));
        for (Job job : engine.jobs()) {
            jobs.get(job.status()).incrementAndGet();
            job.counts().forEach((status, n) -> executions.get(status).addAndGet(n));
        }
    }
}

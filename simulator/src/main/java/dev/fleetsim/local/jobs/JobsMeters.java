package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.JobExecutionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local Jobs service's meter catalogue. Every meter is named here; dashboards use only these names.
 *
 * <table>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>meaning</th></tr>
 *   <tr><td>fleetsim.local.device.requests</td><td>counter</td><td>operation, outcome (accepted|rejected),
 *       code (rejection code or none)</td><td>device-API requests answered over MQTT or HTTPS</td></tr>
 *   <tr><td>fleetsim.local.api.requests</td><td>counter</td><td>status (HTTP status)</td><td>control-plane and
 *       data-plane HTTP requests</td></tr>
 *   <tr><td>fleetsim.local.jobs</td><td>gauge</td><td>status</td><td>jobs per status</td></tr>
 *   <tr><td>fleetsim.local.executions</td><td>gauge</td><td>status</td><td>latest execution of each (job,
 *       thing) per status</td></tr>
 * </table>
 *
 * Never tagged by thing or job id. Gauges are refreshed on the engine thread just before each scrape.
 */
public final class JobsMeters {
    public static final String DEVICE_REQUESTS = "fleetsim.local.device.requests";
    public static final String API_REQUESTS = "fleetsim.local.api.requests";
    public static final String JOBS = "fleetsim.local.jobs";
    public static final String EXECUTIONS = "fleetsim.local.executions";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<JobStatus, AtomicLong> jobs = new EnumMap<>(JobStatus.class);
    private final Map<JobExecutionStatus, AtomicLong> executions = new EnumMap<>(JobExecutionStatus.class);

    JobsMeters(MeterRegistry registry) {
        this.registry = registry;
        for (JobStatus s : JobStatus.values()) {
            AtomicLong value = new AtomicLong();
            jobs.put(s, value);
            Gauge.builder(JOBS, value, AtomicLong::doubleValue)
                    .tag("status", s.name())
                    .register(registry);
        }
        for (JobExecutionStatus s : JobExecutionStatus.values()) {
            AtomicLong value = new AtomicLong();
            executions.put(s, value);
            Gauge.builder(EXECUTIONS, value, AtomicLong::doubleValue)
                    .tag("status", s.name())
                    .register(registry);
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    void deviceRequest(String operation, String outcome, String code) {
        counters.computeIfAbsent(
                        operation + '|' + outcome + '|' + code,
                        k -> Counter.builder(DEVICE_REQUESTS)
                                .tag("operation", operation)
                                .tag("outcome", outcome)
                                .tag("code", code)
                                .register(registry))
                .increment();
    }

    /** A control-plane or data-plane request answered, by AWS operation name and HTTP status. */
    public void apiRequest(String operation, int status) {
        counters.computeIfAbsent(
                        "api|" + operation + '|' + status,
                        k -> Counter.builder(API_REQUESTS)
                                .tag("operation", operation)
                                .tag("status", Integer.toString(status))
                                .register(registry))
                .increment();
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

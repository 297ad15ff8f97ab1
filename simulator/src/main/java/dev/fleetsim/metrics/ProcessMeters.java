package dev.fleetsim.metrics;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The process's own health: Micrometer's standard JVM and system binders on a registry (the names every JVM dashboard
 * knows: {@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds}, {@code jvm_gc_live_data_size_bytes},
 * {@code jvm_threads_live_threads}, {@code process_files_open_files}, {@code process_cpu_usage} …), and the few figures
 * a soak's report tracks over time ({@link #sample}). Bound once per process, on the registry that process serves.
 */
public final class ProcessMeters implements AutoCloseable {
    private final JvmGcMetrics gc;

    private ProcessMeters(JvmGcMetrics gc) {
        this.gc = gc;
    }

    /** Binds the JVM and process meters to {@code registry}; close to stop listening to GC notifications. */
    public static ProcessMeters bind(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        cpu(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return new ProcessMeters(gc);
    }

    /**
     * CPU as Micrometer's {@code ProcessorMetrics} names it ({@code process_cpu_usage}, {@code system_cpu_usage},
     * {@code system_load_average_1m}) without its {@code process_cpu_time_ns_total} and {@code system_cpu_count},
     * whose names promtool's lint refuses (an abbreviated unit, a {@code _count} suffix on a gauge).
     */
    private static void cpu(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Gauge.builder("system.load.average.1m", os, OperatingSystemMXBean::getSystemLoadAverage)
                .description("The sum of the runnable entities queued to the processors and running, averaged over a"
                        + " minute")
                .register(registry);
        if (os instanceof UnixOperatingSystemMXBean sun) {
            Gauge.builder("process.cpu.usage", sun, UnixOperatingSystemMXBean::getProcessCpuLoad)
                    .description("The recent cpu usage for the Java Virtual Machine process")
                    .register(registry);
            Gauge.builder("system.cpu.usage", sun, UnixOperatingSystemMXBean::getCpuLoad)
                    .description("The recent cpu usage of the system the application is running in")
                    .register(registry);
        }
    }

    @Override
    public void close() {
        gc.close();
    }

    /**
     * One reading of the process.
     *
     * @param heapUsedBytes heap in use now (garbage included)
     * @param heapAfterGcBytes heap in use right after the most recent collection (young or full): the floor a leak
     *     raises; -1 before the first collection
     * @param openFiles open file descriptors (sockets included); -1 where the OS does not say
     * @param threads live threads
     */
    public record Sample(long heapUsedBytes, long heapAfterGcBytes, long openFiles, int threads) {}

    private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toUnmodifiableSet());

    /** Reads the process now (cheap: a few MXBean calls; no collection is forced). */
    /** The most files (sockets included) this process may open, or -1 where the JVM cannot tell. */
    public static long maxOpenFiles() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : -1;
    }

    public static Sample sample() {
        Runtime rt = Runtime.getRuntime();
        return new Sample(rt.totalMemory() - rt.freeMemory(), heapAfterLastGc(), openFiles(), threads());
    }

    private static long heapAfterLastGc() {
        GcInfo latest = null;
        for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof GarbageCollectorMXBean sun) {
                GcInfo info = sun.getLastGcInfo();
                if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
                    latest = info;
                }
            }
        }
        if (latest == null) {
            return -1;
        }
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool :
                latest.getMemoryUsageAfterGc().entrySet()) {
            if (HEAP_POOLS.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        return used;
    }

    private static long openFiles() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }
}

package dev.fleetsim.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's CPU time, and the {@code taskset} that pins processes to cores for measurements that need it. */
final class ProcessCpu {
    static final Path TASKSET = Path.of("/usr/bin/taskset");

    private ProcessCpu() {}

    /** CPU time of every thread of this process so far (user and system), in nanoseconds. */
    static long nanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Whether processes can be pinned to cores here (Linux with util-linux's taskset, and at least 2 cores). */
    static boolean canPin() {
        return Files.isExecutable(TASKSET) && Runtime.getRuntime().availableProcessors() >= 2;
    }
}

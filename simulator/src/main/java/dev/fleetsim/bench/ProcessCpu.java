package dev.fleetsim.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** This process's CPU time, and the {@code taskset} that pins processes to cores for measurements that need it. */
final class ProcessCpu {
    static final Path TASKSET = Path.of("/usr/bin/taskset");

    private ProcessCpu() {}

    /** CPU time of every thread of this process so far (user and system), in nanoseconds. */
    static long nanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU time so far of this process's threads (Java and the VM's own: JIT, GC), summed per stage of the local
     * stack's pipeline by thread name, in nanoseconds; empty where there is no {@code /proc}. Threads' names are those
     * the kernel keeps (15 characters).
     */
    static Map<String, Long> byStage() {
        Map<String, Long> stages = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String[] fields = stat.substring(close + 2).split(" ");
                // after "(comm) ": state is field 3 of stat(5), utime 14 and stime 15, in clock ticks (USER_HZ 100)
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                stages.merge(stage(stat.substring(open + 1, close)), ticks * 10_000_000L, Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return stages;
    }

    /** The stage a thread of the in-process stack or fleet belongs to, by its name. */
    static String stage(String thread) {
        if (thread.startsWith("hivemq") || thread.contains("extension")) {
            return "broker";
        }
        if (thread.startsWith("fleetsim-jobs")) {
            return "jobs engine";
        }
        if (thread.startsWith("fleetsim-device")) {
            return "devices";
        }
        if (thread.contains("CompilerThre")) {
            return "JIT";
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1")) {
            return "GC";
        }
        return "other";
    }

    /** What each stage spent between two {@link #byStage()} readings. */
    static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> spent = new TreeMap<>();
        after.forEach((stage, nanos) -> spent.put(stage, nanos - before.getOrDefault(stage, 0L)));
        return spent;
    }

    /** Every stage's CPU together. */
    static long total(Map<String, Long> spent) {
        return spent.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The part of {@code spent} that {@code stage} took, 0 to 1 (0 when nothing was spent). */
    static double share(Map<String, Long> spent, String stage) {
        long all = total(spent);
        return all == 0 ? 0 : spent.getOrDefault(stage, 0L) / (double) all;
    }

    /** Whether processes can be pinned to cores here (Linux with util-linux's taskset, and at least 2 cores). */
    static boolean canPin() {
        return Files.isExecutable(TASKSET) && Runtime.getRuntime().availableProcessors() >= 2;
    }
}

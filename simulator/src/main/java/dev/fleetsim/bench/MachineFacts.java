package dev.fleetsim.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.fleetsim.net.TlsProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a benchmark ran on, printed before its figures so a reader can reproduce them or tell why theirs differ: cores,
 * CPU model, JDK, the TLS provider downloads and devices use, and the SHA-256 implementation (and whether the JVM's
 * SHA intrinsics are on).
 */
public final class MachineFacts {
    private MachineFacts() {}

    /** One line per fact. */
    public static List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel() + ", "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap");
        out.add("java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vendor") + ")");
        out.add("tls: " + TlsProvider.describe());
        out.add("sha-256: " + digestProvider() + ", CPU SHA instructions (-XX:UseSHA) " + vmOption("UseSHA"));
        return out;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is what can be said
        }
        return System.getProperty("os.arch");
    }

    private static String digestProvider() {
        try {
            return MessageDigest.getInstance("SHA-256").getProvider().getName();
        } catch (NoSuchAlgorithmException e) {
            return "none";
        }
    }

    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption(name)
                    .getValue();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}

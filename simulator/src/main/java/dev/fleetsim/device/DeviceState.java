package dev.fleetsim.device;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a virtual device "has installed": firmware, packages, files, its certificate. A successful job changes it; a
 * factory reset wipes it. It survives reboots (it is the device's disk). Touched on the device's event loop only;
 * {@link #snapshot()} is safe to hand elsewhere.
 */
public final class DeviceState {
    /** An immutable copy for reports. */
    public record Snapshot(
            String firmwareVersion,
            Set<String> packages,
            Map<String, String> files,
            String certificate,
            int jobsDone) {}

    public static final String FACTORY_FIRMWARE = "1.0.0";

    private String firmwareVersion = FACTORY_FIRMWARE;
    /** Null until the first install (most devices of a large fleet never get one: no empty sets held for them). */
    private Set<String> packages;
    /** sandbox path → where it came from; null until the first file. */
    private Map<String, String> files;

    private String certificate = "factory";
    private int jobsDone;

    public String firmwareVersion() {
        return firmwareVersion;
    }

    void installFirmware(String version) {
        firmwareVersion = version;
    }

    void packages(boolean install, Iterable<String> names) {
        for (String name : names) {
            if (install) {
                if (packages == null) {
                    packages = new TreeSet<>();
                }
                packages.add(name);
            } else if (packages != null) {
                packages.remove(name);
            }
        }
    }

    void file(String sandboxPath, String source) {
        if (files == null) {
            files = new TreeMap<>();
        }
        files.put(sandboxPath, source);
    }

    void certificate(String id) {
        certificate = id;
    }

    void jobDone() {
        jobsDone++;
    }

    void factoryReset() {
        firmwareVersion = FACTORY_FIRMWARE;
        packages = null;
        files = null;
        certificate = "factory";
    }

    public Snapshot snapshot() {
        return new Snapshot(
                firmwareVersion,
                packages == null ? Set.of() : Set.copyOf(packages),
                files == null ? Map.of() : Map.copyOf(files),
                certificate,
                jobsDone);
    }
}

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
    private final Set<String> packages = new TreeSet<>();
    /** sandbox path → where it came from. */
    private final Map<String, String> files = new TreeMap<>();

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
                packages.add(name);
            } else {
                packages.remove(name);
            }
        }
    }

    void file(String sandboxPath, String source) {
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
        packages.clear();
        files.clear();
        certificate = "factory";
    }

    public Snapshot snapshot() {
        return new Snapshot(firmwareVersion, Set.copyOf(packages), Map.copyOf(files), certificate, jobsDone);
    }
}

package dev.fleetsim.fleet;

import dev.fleetsim.device.DeviceConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Objects;

/**
 * A fleet's shape.
 *
 * @param count number of devices in the whole fleet (before sharding)
 * @param thingNamePattern a {@link String#format} pattern applied to the device index, e.g. {@code sim-%05d}
 * @param startIndex index of the first device
 * @param eventLoops event loop threads shared by all devices
 * @param connectRatePerSecond connects started per second once ramped up
 * @param rampUp time over which the connect rate grows linearly from 0 to {@code connectRatePerSecond}
 * @param shard the slice of the fleet this process runs
 * @param sourceAddresses local addresses to spread connections over (round-robin), to pass the ~28k
 *     ports-per-destination limit; empty for the default
 * @param cohorts behaviours by share; empty means every device uses {@code device.behaviour()}
 * @param device connection and behaviour settings of every device
 */
public record FleetConfig(
        int count,
        String thingNamePattern,
        int startIndex,
        int eventLoops,
        int connectRatePerSecond,
        Duration rampUp,
        Shard shard,
        List<InetAddress> sourceAddresses,
        List<Cohort> cohorts,
        DeviceConfig device) {

    public FleetConfig {
        Objects.requireNonNull(thingNamePattern, "thingNamePattern");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(rampUp, "rampUp");
        Objects.requireNonNull(shard, "shard");
        sourceAddresses = List.copyOf(sourceAddresses);
        cohorts = List.copyOf(cohorts);
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops must be at least 1");
        }
        if (connectRatePerSecond < 1) {
            throw new IllegalArgumentException("connectRatePerSecond must be at least 1");
        }
        try {
            String.format(thingNamePattern, startIndex);
        } catch (IllegalFormatException e) {
            throw new IllegalArgumentException(
                    "thingNamePattern is not a valid format for one integer: " + thingNamePattern);
        }
    }

    /** The whole fleet on one process, no ramp, no cohorts, default addresses. */
    public static FleetConfig of(
            int count, String thingNamePattern, int eventLoops, int connectRatePerSecond, DeviceConfig device) {
        return new FleetConfig(
                count,
                thingNamePattern,
                0,
                eventLoops,
                connectRatePerSecond,
                Duration.ZERO,
                Shard.ALL,
                List.of(),
                List.of(),
                device);
    }

    /** The thing name of device {@code i} (0-based within the fleet). */
    public String thingName(int i) {
        return String.format(thingNamePattern, startIndex + i);
    }

    /** The thing names of this process's shard, in index order. */
    public List<String> thingNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (shard.contains(i)) {
                names.add(thingName(i));
            }
        }
        return names;
    }
}

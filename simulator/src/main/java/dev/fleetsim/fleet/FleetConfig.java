package dev.fleetsim.fleet;

import dev.fleetsim.device.DeviceConfig;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Objects;

/**
 * A fleet's shape.
 *
 * @param count number of devices
 * @param thingNamePattern a {@link String#format} pattern applied to the device index, e.g. {@code sim-%05d}
 * @param startIndex index of the first device
 * @param eventLoops event loop threads shared by all devices
 * @param connectRatePerSecond connects started per second
 * @param device connection and behaviour settings of every device
 */
public record FleetConfig(
        int count,
        String thingNamePattern,
        int startIndex,
        int eventLoops,
        int connectRatePerSecond,
        DeviceConfig device) {

    public FleetConfig {
        Objects.requireNonNull(thingNamePattern, "thingNamePattern");
        Objects.requireNonNull(device, "device");
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

    /** The thing names of the fleet, in index order. */
    public List<String> thingNames() {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(String.format(thingNamePattern, startIndex + i));
        }
        return names;
    }
}

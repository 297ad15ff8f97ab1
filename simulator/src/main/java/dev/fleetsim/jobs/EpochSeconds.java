package dev.fleetsim.jobs;

import java.time.Instant;

/**
 * Device-plane timestamps are integer epoch <em>seconds</em> (spec §1.3): never milliseconds, the most common
 * emulator mistake (§15.1).
 */
public final class EpochSeconds {
    private EpochSeconds() {}

    public static long of(Instant instant) {
        return instant.getEpochSecond();
    }

    public static Instant toInstant(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds);
    }
}

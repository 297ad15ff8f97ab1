package dev.fleetsim.net;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, the one retry policy of the simulator: the n-th retry (n from 1) waits a random
 * time between half and all of {@code min(max, base · 2^(n-1))}, so a crowd that failed together does not come back
 * together ("equal jitter"). Device reconnects, request resends and download retries all use it.
 *
 * @param base the first retry's ceiling
 * @param max the largest ceiling
 */
public record Backoff(Duration base, Duration max) {

    public Backoff {
        if (base.isNegative() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= base <= max: " + base + ", " + max);
        }
    }

    /** The wait before retry number {@code attempt} (1 for the first retry), in milliseconds. */
    public long delayMillis(int attempt) {
        long cap = ceilingMillis(attempt);
        return cap <= 1 ? cap : ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }

    /** The upper bound of the wait before retry number {@code attempt}. */
    public long ceilingMillis(int attempt) {
        int doublings = Math.max(0, Math.min(attempt - 1, 30));
        long base = this.base.toMillis();
        long max = this.max.toMillis();
        return base == 0 ? 0 : Math.min(max, base << Math.min(doublings, Long.numberOfLeadingZeros(base) - 1));
    }
}

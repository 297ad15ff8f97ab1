package dev.fleetsim.clock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one clock every engine time of the local stack comes from (rollout minutes, timers, schedules). It starts at
 * the real time and runs {@code timeScale} times faster: with a time scale of 60, a simulated minute passes in one real
 * second, so a rollout that takes an hour on AWS is validated in a minute. Thread-safe.
 */
public final class VirtualClock extends Clock {
    private final Instant origin;
    private final long originNanos;
    private final double timeScale;

    public VirtualClock(double timeScale) {
        this(Instant.now(), timeScale);
    }

    public VirtualClock(Instant origin, double timeScale) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new IllegalArgumentException("time scale must be a positive number: " + timeScale);
        }
        this.origin = origin;
        this.originNanos = System.nanoTime();
        this.timeScale = timeScale;
    }

    public double timeScale() {
        return timeScale;
    }

    /** Real nanoseconds that a span of simulated nanoseconds takes. */
    public long realNanos(long simulatedNanos) {
        return (long) (simulatedNanos / timeScale);
    }

    @Override
    public Instant instant() {
        long elapsed = System.nanoTime() - originNanos;
        return origin.plusNanos((long) (elapsed * timeScale));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new UnsupportedOperationException("the virtual clock is UTC only");
    }
}

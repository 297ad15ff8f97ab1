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
    /** Simulated {@code origin} at real {@code nanos}; replaced whole, so readers never see half a change. */
    private record Anchor(Instant origin, long nanos) {}

    private volatile Anchor anchor;
    private final double timeScale;

    public VirtualClock(double timeScale) {
        this(Instant.now(), timeScale);
    }

    public VirtualClock(Instant origin, double timeScale) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new IllegalArgumentException("time scale must be a positive number: " + timeScale);
        }
        this.anchor = new Anchor(origin, System.nanoTime());
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
        Anchor a = anchor;
        long elapsed = System.nanoTime() - a.nanos();
        return a.origin().plusNanos((long) (elapsed * timeScale));
    }

    /**
     * Moves simulated time forward to {@code target} when it is ahead (a restarted stack continues from the time its
     * journal last recorded, so timers and rollout minutes do not run backwards); never moves it back.
     */
    public synchronized void advanceTo(Instant target) {
        Instant now = instant();
        if (target.isAfter(now)) {
            anchor = new Anchor(target, System.nanoTime());
        }
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

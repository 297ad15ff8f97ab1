package dev.fleetsim.clock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one clock every engine time of the local stack comes from (rollout minutes, timers, schedules). It starts at
 * the real time and runs {@code timeScale} times faster: with a time scale of 60, a simulated minute passes in one real
 * second, so a rollout that takes an hour on AWS is validated in a minute. A presenter may pause it (simulated time
 * stands still: no rollout minute passes, no timer fires) and change its scale while it runs; every change starts a new
 * segment, and {@link #simulatedNanos(long, long)} integrates over them, so a span measured across a change is still
 * right. Thread-safe; reads take no lock.
 */
public final class VirtualClock extends Clock {
    /**
     * From real {@code nanos} on, simulated time is {@code origin} plus the real time since, times {@code rate} (0 while
     * paused). Replaced whole, so readers never see half a change.
     */
    private record Segment(Instant origin, long nanos, double rate) {
        Instant at(long nanoTime) {
            return origin.plusNanos((long) ((nanoTime - nanos) * rate));
        }
    }

    /** Segments kept for {@link #simulatedNanos}; older ones merge away (a demo changes speed a few times). */
    private static final int KEPT_SEGMENTS = 256;

    private volatile Segment current;
    private final CopyOnWriteArrayList<Segment> segments = new CopyOnWriteArrayList<>();
    private volatile double timeScale;
    private volatile boolean paused;
    /** Real nanoseconds spent paused before the current pause, and when the current pause began. */
    private volatile long pausedBefore;

    private volatile long pausedSince;

    public VirtualClock(double timeScale) {
        this(Instant.now(), timeScale);
    }

    public VirtualClock(Instant origin, double timeScale) {
        check(timeScale);
        this.timeScale = timeScale;
        this.current = new Segment(origin, System.nanoTime(), timeScale);
        segments.add(current);
    }

    private static void check(double timeScale) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new IllegalArgumentException("time scale must be a positive number: " + timeScale);
        }
    }

    /** Simulated seconds per real second while running (a paused clock keeps the scale it resumes with). */
    public double timeScale() {
        return timeScale;
    }

    public boolean isPaused() {
        return paused;
    }

    /** Real nanoseconds the clock has spent paused so far (a run's real-time cap does not count them). */
    public long pausedNanos() {
        return pausedBefore + (paused ? System.nanoTime() - pausedSince : 0);
    }

    /** Real nanoseconds that a span of simulated nanoseconds takes at the current scale. */
    public long realNanos(long simulatedNanos) {
        return (long) (simulatedNanos / timeScale);
    }

    @Override
    public Instant instant() {
        return current.at(System.nanoTime());
    }

    /** Simulated nanoseconds between two {@link System#nanoTime()} readings, across pauses and scale changes. */
    public long simulatedNanos(long fromNanoTime, long toNanoTime) {
        return Math.max(0, Duration.between(at(fromNanoTime), at(toNanoTime)).toNanos());
    }

    /** The simulated instant at a {@link System#nanoTime()} reading (the oldest kept segment for older ones). */
    private Instant at(long nanoTime) {
        Segment s = current;
        if (nanoTime >= s.nanos()) {
            return s.at(nanoTime);
        }
        Segment found = segments.get(0);
        for (Segment candidate : segments) {
            if (candidate.nanos() <= nanoTime) {
                found = candidate;
            }
        }
        return found.at(nanoTime);
    }

    /** Simulated time stands still until {@link #resume()}. */
    public synchronized void pause() {
        if (!paused) {
            paused = true;
            pausedSince = System.nanoTime();
            start(0);
        }
    }

    public synchronized void resume() {
        if (paused) {
            paused = false;
            pausedBefore += System.nanoTime() - pausedSince;
            start(timeScale);
        }
    }

    /** From now on, {@code newScale} simulated seconds pass per real second (once resumed, when paused). */
    public synchronized void setTimeScale(double newScale) {
        check(newScale);
        timeScale = newScale;
        if (!paused) {
            start(newScale);
        }
    }

    private void start(double rate) {
        long now = System.nanoTime();
        current = new Segment(current.at(now), now, rate);
        segments.add(current);
        if (segments.size() > KEPT_SEGMENTS) {
            segments.remove(0);
        }
    }

    /**
     * Moves simulated time forward to {@code target} when it is ahead (a restarted stack continues from the time its
     * journal last recorded, so timers and rollout minutes do not run backwards); never moves it back.
     */
    public synchronized void advanceTo(Instant target) {
        Instant now = instant();
        if (target.isAfter(now)) {
            long nanos = System.nanoTime();
            current = new Segment(target, nanos, current.rate());
            segments.clear(); // time jumped: spans from before the jump are not measured across it
            segments.add(current);
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

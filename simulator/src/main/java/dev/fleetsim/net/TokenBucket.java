package dev.fleetsim.net;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, holding at most {@code burst}. The one rate limiter of
 * fleetsim: the local stack's quotas ask {@link #tryTake} and answer a throttle when it says no; the IoT Core target's
 * clients {@link #take} and wait. Thread-safe (synchronized: a bucket is asked at most a few thousand times a second).
 */
public final class TokenBucket {
    private final double ratePerSecond;
    private final double burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    /** A bucket that starts full; {@code ratePerSecond <= 0} is unlimited. */
    public TokenBucket(double ratePerSecond, double burst) {
        this(ratePerSecond, burst, System::nanoTime);
    }

    /** For tests: the bucket reads {@code nanoTime} for the time. */
    public TokenBucket(double ratePerSecond, double burst, LongSupplier nanoTime) {
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, burst);
        this.nanoTime = nanoTime;
        this.tokens = this.burst;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** A bucket of {@code ratePerSecond} holding one second's worth (AWS's quotas allow a second's burst). */
    public static TokenBucket perSecond(double ratePerSecond) {
        return new TokenBucket(ratePerSecond, ratePerSecond);
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }

    public boolean unlimited() {
        return ratePerSecond <= 0;
    }

    /** Takes a token if there is one now. */
    public synchronized boolean tryTake() {
        if (unlimited()) {
            return true;
        }
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * Reserves a token and returns how long to wait before using it (0 when one is there now): callers that reserve
     * together are spaced by {@code 1 / ratePerSecond}.
     */
    public synchronized long reserveNanos() {
        if (unlimited()) {
            return 0;
        }
        refill();
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / ratePerSecond * 1e9);
    }

    /** Takes a token, waiting for one. */
    public void take() throws InterruptedException {
        long wait = reserveNanos();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * ratePerSecond);
        refilledAt = now;
    }
}

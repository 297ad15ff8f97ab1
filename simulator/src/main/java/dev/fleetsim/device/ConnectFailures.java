package dev.fleetsim.device;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Connect attempts that failed, and the first one's cause: what a rate or a fleet that does not get ready is worth
 * little without. Thread-safe (devices on every loop report here).
 */
public final class ConnectFailures implements DeviceListener {
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicReference<Throwable> first = new AtomicReference<>();

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        count.incrementAndGet();
        first.compareAndSet(null, cause);
    }

    public int count() {
        return count.get();
    }

    /** The innermost cause of the first failure, or null when none failed. */
    public Throwable firstRootCause() {
        Throwable cause = first.get();
        while (cause != null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}

package dev.fleetsim.local.s3;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault policies of the artifact server, for download tests that need failures they cannot cause for real: a key (or
 * {@code *} for every key) gets a fault for its next {@code times} GETs, after which it is served normally (so a
 * client that resumes or retries can succeed).
 */
public final class ArtifactFaults {
    /** What goes wrong with a GET. */
    public sealed interface Fault {
        /** The connection is closed after {@code bytes} of the body. */
        record DropAfter(long bytes) implements Fault {}

        /** The server stops sending after {@code bytes} of the body and keeps the connection open. */
        record StallAfter(long bytes) implements Fault {}

        /** The body is sent at {@code bytesPerSecond}. */
        record Throttle(long bytesPerSecond) implements Fault {}

        /** One byte of the body, at {@code offset} of the object, is flipped. */
        record WrongBytes(long offset) implements Fault {}
    }

    private record Rule(Fault fault, AtomicInteger remaining) {}

    private final Map<String, Rule> rules = new ConcurrentHashMap<>();

    /** The next {@code times} GETs of {@code bucket/key} ({@code key} {@code *}: any key of the bucket) get the fault. */
    public void add(String bucket, String key, Fault fault, int times) {
        rules.put(bucket + "/" + key, new Rule(fault, new AtomicInteger(times)));
    }

    public void clear() {
        rules.clear();
    }

    /** The fault for this GET, consuming one use of it; null for a normal answer. */
    Fault next(String bucket, String key) {
        for (String name : new String[] {bucket + "/" + key, bucket + "/*"}) {
            Rule rule = rules.get(name);
            if (rule != null && rule.remaining().getAndDecrement() > 0) {
                return rule.fault();
            }
        }
        return null;
    }
}

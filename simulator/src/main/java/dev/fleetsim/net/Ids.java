package dev.fleetsim.net;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers that need to be unique but not secret (request ids, object version ids, temporary file names), drawn
 * from {@link ThreadLocalRandom}: {@link UUID#randomUUID()} reads the kernel's entropy source, a blocking file read
 * event loops must not make. Never use these for tokens, keys or anything a client must not guess.
 */
public final class Ids {
    private Ids() {}

    /** A random version-4-shaped UUID. */
    public static UUID uuid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = (r.nextLong() & ~0xF000L) | 0x4000L;
        long low = (r.nextLong() & ~(3L << 62)) | (2L << 62);
        return new UUID(high, low);
    }

    /** {@code chars} random hex digits (lower case). */
    public static String hex(int chars) {
        StringBuilder b = new StringBuilder(chars);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < chars; i++) {
            b.append(Character.forDigit(r.nextInt(16), 16));
        }
        return b.toString();
    }
}

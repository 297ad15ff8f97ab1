package dev.fleetsim.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final AtomicLong now = new AtomicLong();

    @Test
    void holdsOneSecondAndRefillsAtItsRate() {
        TokenBucket bucket = new TokenBucket(10, 10, now::get);
        int taken = 0;
        while (bucket.tryTake()) {
            taken++;
        }
        assertThat(taken).isEqualTo(10);
        now.addAndGet(250_000_000L); // a quarter second: 2.5 tokens
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void reservationsAreSpacedByTheRate() {
        TokenBucket bucket = new TokenBucket(10, 1, now::get);
        assertThat(bucket.reserveNanos()).isZero();
        assertThat(bucket.reserveNanos()).isEqualTo(100_000_000L);
        assertThat(bucket.reserveNanos()).isEqualTo(200_000_000L);
    }

    @Test
    void zeroRateIsUnlimited() {
        TokenBucket bucket = new TokenBucket(0, 0, now::get);
        for (int i = 0; i < 1_000; i++) {
            assertThat(bucket.tryTake()).isTrue();
        }
    }
}

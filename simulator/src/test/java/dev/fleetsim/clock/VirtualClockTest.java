package dev.fleetsim.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Pause, resume and a new speed, and spans measured across them. */
class VirtualClockTest {
    @Test
    void aPausedClockStandsStillAndResumesWhereItStopped() throws Exception {
        VirtualClock clock = new VirtualClock(Instant.parse("2026-01-01T00:00:00Z"), 1000);
        clock.pause();
        Instant stopped = clock.instant();
        Thread.sleep(30);
        assertThat(clock.instant()).isEqualTo(stopped);
        assertThat(clock.isPaused()).isTrue();
        assertThat(clock.pausedNanos())
                .isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
        long beforeResume = System.nanoTime();
        clock.resume();
        Instant resumed = clock.instant();
        long resumeTook = System.nanoTime() - beforeResume;
        // Not 30 s later: only the real time since resume() counts, at 1000x (a slow machine makes it longer, not 30
        // s).
        assertThat(Duration.between(stopped, resumed).toNanos()).isLessThanOrEqualTo(resumeTook * 1000 + 1_000_000);
        Thread.sleep(20);
        assertThat(clock.instant()).isAfter(stopped.plusSeconds(10)); // running at 1000x again
    }

    @Test
    void aSpanAcrossAPauseAndASpeedChangeCountsOnlyTheSimulatedTimeThatPassed() throws Exception {
        VirtualClock clock = new VirtualClock(Instant.parse("2026-01-01T00:00:00Z"), 100);
        long start = System.nanoTime();
        Instant simulatedStart = clock.instant();
        long startGap = System.nanoTime() - start;
        Thread.sleep(20);
        clock.pause();
        Thread.sleep(50); // paused: none of this counts
        clock.setTimeScale(1000);
        clock.resume();
        Thread.sleep(20);
        long end = System.nanoTime();
        Instant simulatedEnd = clock.instant();
        long endGap = System.nanoTime() - end;
        long simulated = clock.simulatedNanos(start, end);
        // Integrated over the segments, the span equals what the clock itself moved, up to the real time between
        // reading nanoTime and reading the clock (at 100x at the start, 1000x at the end).
        assertThat(Duration.ofNanos(simulated))
                .isCloseTo(
                        Duration.between(simulatedStart, simulatedEnd),
                        Duration.ofNanos(startGap * 100 + endGap * 1000 + 1_000_000));
        // At least 20 ms at 100x and 20 ms at 1000x; at most the unpaused real time at the faster speed.
        assertThat(simulated)
                .isGreaterThanOrEqualTo(Duration.ofMillis(2_000 + 20_000).toNanos());
        assertThat(simulated).isLessThanOrEqualTo((end - start - clock.pausedNanos()) * 1000);
        assertThat(clock.timeScale()).isEqualTo(1000);
    }

    @Test
    void aScaleMustBePositive() {
        VirtualClock clock = new VirtualClock(10);
        assertThatThrownBy(() -> clock.setTimeScale(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> clock.setTimeScale(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

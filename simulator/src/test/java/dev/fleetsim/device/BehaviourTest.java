package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.device.behaviour.Outcome;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BehaviourTest {
    private static final Behaviour MIXED = new Behaviour(
            "mixed",
            70,
            20,
            5,
            5,
            new Distribution.Uniform(Duration.ofSeconds(1), Duration.ofSeconds(3)),
            new Distribution.LogNormal(Duration.ofSeconds(10), 0.5),
            0.1,
            0.05,
            new Distribution.Fixed(Duration.ofSeconds(2)));

    @Test
    void aDrawIsAPureFunctionOfSeedThingJobAndExecution() {
        Behaviour.Plan a = MIXED.plan(42, "thing-7", "job", 1);
        assertThat(MIXED.plan(42, "thing-7", "job", 1)).isEqualTo(a);
        assertThat(MIXED.plan(43, "thing-7", "job", 1)).isNotEqualTo(a);
        assertThat(MIXED.plan(42, "thing-7", "job", 2)).isNotEqualTo(a);
    }

    @Test
    void outcomesFollowTheWeights() {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (int i = 0; i < 20_000; i++) {
            counts.merge(MIXED.plan(7, "t" + i, "j", 1).outcome(), 1, Integer::sum);
        }
        assertThat(counts.get(Outcome.SUCCEED)).isBetween(13_600, 14_400);
        assertThat(counts.get(Outcome.FAIL)).isBetween(3_700, 4_300);
        assertThat(counts.get(Outcome.REJECT)).isBetween(850, 1_150);
        assertThat(counts.get(Outcome.HANG)).isBetween(850, 1_150);
    }

    @Test
    void distributionsHaveTheirShapes() {
        SplittableRandom random = new SplittableRandom(1);
        double sum = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration d = new Distribution.Exponential(Duration.ofSeconds(3)).sample(random);
            assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO);
            sum += d.toMillis();
        }
        assertThat(sum / 10_000).isBetween(2_850.0, 3_150.0);
        for (int i = 0; i < 1000; i++) {
            assertThat(new Distribution.Uniform(Duration.ofSeconds(1), Duration.ofSeconds(2)).sample(random))
                    .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
            assertThat(new Distribution.Normal(Duration.ofMillis(10), Duration.ofSeconds(5)).sample(random))
                    .isGreaterThanOrEqualTo(Duration.ZERO);
        }
    }
}

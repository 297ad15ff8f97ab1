package dev.fleetsim.device.behaviour;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A distribution of durations: fixed, uniform, normal, lognormal or exponential. Draws are never negative.
 *
 * <p>Text form (scenario files): {@code 500ms}, {@code uniform(1s, 5s)}, {@code normal(10s, 2s)},
 * {@code lognormal(10s, 0.5)} (median and shape σ), {@code exponential(3s)} (mean).
 */
public sealed interface Distribution {

    Duration sample(SplittableRandom random);

    record Fixed(Duration value) implements Distribution {
        @Override
        public Duration sample(SplittableRandom random) {
            return value;
        }
    }

    record Uniform(Duration min, Duration max) implements Distribution {
        public Uniform {
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("uniform: max is below min");
            }
        }

        @Override
        public Duration sample(SplittableRandom random) {
            long span = max.toNanos() - min.toNanos();
            return min.plusNanos(span == 0 ? 0 : random.nextLong(span + 1));
        }
    }

    record Normal(Duration mean, Duration stddev) implements Distribution {
        @Override
        public Duration sample(SplittableRandom random) {
            double nanos = mean.toNanos() + gaussian(random) * stddev.toNanos();
            return Duration.ofNanos((long) Math.max(0, nanos));
        }
    }

    record LogNormal(Duration median, double sigma) implements Distribution {
        public LogNormal {
            if (sigma < 0) {
                throw new IllegalArgumentException("lognormal: sigma must not be negative");
            }
        }

        @Override
        public Duration sample(SplittableRandom random) {
            return Duration.ofNanos((long) (median.toNanos() * Math.exp(sigma * gaussian(random))));
        }
    }

    record Exponential(Duration mean) implements Distribution {
        @Override
        public Duration sample(SplittableRandom random) {
            double u = 1.0 - random.nextDouble(); // (0, 1]
            return Duration.ofNanos((long) (-Math.log(u) * mean.toNanos()));
        }
    }

    /** Box–Muller with the given generator, so draws stay deterministic. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    static Distribution fixed(Duration d) {
        return new Fixed(d);
    }
}

package dev.fleetsim.bench;

import java.util.List;

/** The median of a bench's rounds: the figure a bench reports when it repeats a measurement. */
public final class Median {
    private Median() {}

    /** The middle value (the mean of the two middle ones for an even count); NaN for none. */
    public static double of(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}

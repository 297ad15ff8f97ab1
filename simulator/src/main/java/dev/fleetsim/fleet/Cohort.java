package dev.fleetsim.fleet;

import dev.fleetsim.device.behaviour.Behaviour;
import java.util.List;
import java.util.Objects;

/**
 * A share of the fleet that behaves alike.
 *
 * @param behaviour what its devices do with jobs
 * @param share relative share of the fleet (weights need not sum to 1)
 */
public record Cohort(Behaviour behaviour, double share) {
    public Cohort {
        Objects.requireNonNull(behaviour, "behaviour");
        if (!(share > 0)) {
            throw new IllegalArgumentException("a cohort's share must be positive");
        }
    }

    /**
     * The cohort of the device with the given index: contiguous ranges in cohort order, sized by share, so the mapping
     * is stable and independent of sharding.
     */
    public static Cohort of(List<Cohort> cohorts, int index, int count) {
        double total = cohorts.stream().mapToDouble(Cohort::share).sum();
        double position = (index + 0.5) / count * total;
        double edge = 0;
        for (Cohort c : cohorts) {
            edge += c.share();
            if (position < edge) {
                return c;
            }
        }
        return cohorts.get(cohorts.size() - 1);
    }
}

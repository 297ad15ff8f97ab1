package dev.fleetsim.jobs.config;

/**
 * The rollout rate of spec §5.1–5.2, as pure arithmetic.
 *
 * <p>Constant: {@code maximumPerMinute} (default 1,000). Exponential: {@code rate = min(M, floor(b·f^k))} with
 * {@code k = max(floor(notified/N), floor(succeeded/S))} over whichever criteria are set; the rounding of fractional
 * rates is undocumented, fleetsim floors with a minimum of 1.
 */
public final class RolloutMath {
    private RolloutMath() {}

    /** Executions allowed per minute once {@code notified} things were notified and {@code succeeded} succeeded. */
    public static int ratePerMinute(JobConfig.Rollout config, long notified, long succeeded) {
        if (config == null) {
            return JobConfig.Rollout.DEFAULT_MAXIMUM_PER_MINUTE;
        }
        int maximum = config.maximum();
        JobConfig.ExponentialRate exp = config.exponentialRate();
        if (exp == null) {
            return maximum;
        }
        int k = increaseSteps(exp.rateIncreaseCriteria(), notified, succeeded);
        double rate = exp.baseRatePerMinute() * Math.pow(exp.incrementFactor(), k);
        return (int) Math.max(1, Math.min(maximum, Math.floor(rate + 1e-9)));
    }

    /**
     * Executions a minute may queue: {@code pending} are waiting, {@code notifiedBefore} things were notified and
     * {@code succeededBefore} executions succeeded before the minute began.
     */
    public static long allowedInMinute(
            JobConfig.Rollout config, long notifiedBefore, long succeededBefore, long pending, RateIncrease increase) {
        if (increase == RateIncrease.NEXT_MINUTE) {
            return Math.min(pending, ratePerMinute(config, notifiedBefore, succeededBefore));
        }
        long allowed = 0;
        while (allowed < pending && allowed < ratePerMinute(config, notifiedBefore + allowed, succeededBefore)) {
            allowed++;
        }
        return allowed;
    }

    /** {@code k}: how many times the rate was multiplied. */
    public static int increaseSteps(JobConfig.RateIncreaseCriteria criteria, long notified, long succeeded) {
        long k = 0;
        if (criteria.numberOfNotifiedThings() != null) {
            k = Math.max(k, notified / criteria.numberOfNotifiedThings());
        }
        if (criteria.numberOfSucceededThings() != null) {
            k = Math.max(k, succeeded / criteria.numberOfSucceededThings());
        }
        return (int) Math.min(k, 64);
    }
}

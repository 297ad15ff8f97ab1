package dev.fleetsim.jobs.config;

/**
 * When a higher exponential rollout rate takes effect (spec §5.2 gives the rates per minute, b, b·f, b·f², …, but not
 * when within a minute a crossed threshold applies).
 */
public enum RateIncrease {
    /**
     * The rate of a minute is the one that holds at its start, with thresholds counted up to then: a threshold crossed
     * within a minute raises the next minute's rate. AWS's documented series; the default.
     */
    NEXT_MINUTE,
    /**
     * The rate is evaluated again after every notified (or succeeded) thing, so a threshold crossed within a minute
     * raises that minute's budget at once and a rollout can cascade to {@code maximumPerMinute} in one minute.
     * fleetsim's behaviour before 0.2, kept as an option.
     */
    IMMEDIATE
}

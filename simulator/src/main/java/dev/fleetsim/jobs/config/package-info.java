/**
 * The CreateJob configuration vocabulary both sides share (spec §3.5, §3.6, §5): rollout, abort, timeout, retry and
 * scheduling records with the service model's limits, and the formulas that give them meaning — the rollout rate of a
 * minute ({@link dev.fleetsim.jobs.config.RolloutMath}), the abort trip point
 * ({@link dev.fleetsim.jobs.config.AbortMath}), retry budgets ({@link dev.fleetsim.jobs.config.RetryMath}) and AWS's
 * cron for maintenance windows. The local Jobs service runs them; the scenario loader validates with them and the
 * report compares what it saw against them. Pure functions and immutable records: no I/O, any thread.
 */
package dev.fleetsim.jobs.config;

/**
 * Behaviour of virtual devices per cohort: outcome probabilities and phase durations drawn from distributions, all a
 * pure function of (seed, thing name, job, execution number), so a run replays exactly.
 *
 * <p>Threading: immutable values; draws create their own {@link java.util.SplittableRandom}.
 */
package dev.fleetsim.device.behaviour;

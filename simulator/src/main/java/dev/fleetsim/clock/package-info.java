/**
 * The simulated clock: time-scaled runs let a simulated minute pass in a real second. The local stack reads every
 * engine time from it; a run converts scenario durations with it. Thread-safe.
 */
package dev.fleetsim.clock;

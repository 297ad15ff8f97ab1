/**
 * Benchmarks run by {@code fleetsim bench}: each measures fleetsim against a baseline taken on the same machine in the
 * same run and reports the ratio. Not tests: they print figures.
 */
package dev.fleetsim.bench;

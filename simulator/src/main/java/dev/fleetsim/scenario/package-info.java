/**
 * Scenario files: the YAML a user writes ({@link dev.fleetsim.scenario.ScenarioFile}), its validation into runtime
 * records ({@link dev.fleetsim.scenario.ScenarioLoader} → {@link dev.fleetsim.scenario.Scenario}), and the runner that
 * plays it against the local stack ({@link dev.fleetsim.scenario.ScenarioRunner}).
 *
 * <p>Threading: loading is plain single-threaded code; the runner blocks its calling thread (the CLI's main thread)
 * while the fleet and the local stack run on their own threads.
 */
package dev.fleetsim.scenario;

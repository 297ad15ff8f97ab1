/**
 * The {@code fleetsim} command line (picocli). The only package that prints to the console: everything else reports
 * through return values, listeners and progress callbacks.
 *
 * <p>Exit codes: 0 success; 1 the run finished but not as expected (an execution did not succeed, a wait timed out);
 * 2 bad input (a missing or invalid scenario, a bad option, a port in use), reported in one message without a stack
 * trace.
 */
package dev.fleetsim.cli;

/** The local stack's virtual clock, with a time scale. Thread-safe. */
package dev.fleetsim.local.clock;

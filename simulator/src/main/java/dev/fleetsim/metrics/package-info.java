/**
 * The meter catalogue: every meter fleetsim exposes, the run's and the local stack's, with its name, type, unit,
 * labels and help text ({@link dev.fleetsim.metrics.Meter}), and the job phases its latency histograms are split by
 * ({@link dev.fleetsim.metrics.Phase}). Meters are registered only through the catalogue, so the Grafana dashboard,
 * the README's metric table and the exposition agree; {@code MeterCatalogueTest} checks all three.
 *
 * <p>Shared ground: depends on Micrometer and nothing else of fleetsim.
 */
package dev.fleetsim.metrics;

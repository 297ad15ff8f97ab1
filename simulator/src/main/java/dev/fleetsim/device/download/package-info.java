/**
 * The device's HTTP(S) download path, on the fleet's event loops: streaming through SHA-256 and the code-signature
 * verifier without holding the artifact in heap, keep-alive connections per loop, resume with {@code Range} after a
 * drop or a stall, retries with backoff, per-device and fleet-wide bandwidth shaping, progress reports.
 */
package dev.fleetsim.device.download;

/**
 * The embedded HiveMQ CE broker of the local stack, and the extension that turns device publishes to
 * {@code $aws/things/+/jobs/...} into Jobs service requests (HiveMQ CE refuses client publishes to {@code $} topics,
 * but its publish interceptors run before that check; see {@code shared/spec/tech.md} §2).
 *
 * <p>Threading: the interceptor runs on HiveMQ's threads and only hands each request over; answers leave through
 * HiveMQ's asynchronous publish service.
 */
package dev.fleetsim.local.broker;

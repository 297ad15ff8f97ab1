/**
 * The local stack that fleetsim starts itself: an embedded HiveMQ CE broker ({@code broker/}) and a local IoT Jobs
 * service ({@code jobs/}) speaking AWS's device MQTT API. {@link dev.fleetsim.local.LocalStack} starts and stops them
 * together.
 *
 * <p>Threading: {@code LocalStack} start and stop are asynchronous ({@link java.util.concurrent.CompletableFuture});
 * the Jobs service confines its state to one engine thread; the broker runs on HiveMQ's own threads and only hands
 * requests over.
 */
package dev.fleetsim.local;

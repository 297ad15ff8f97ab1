/**
 * The local stack's HTTP server for AWS's REST-JSON APIs: the IoT control plane ({@code iot}) and the HTTPS device
 * data plane ({@code iot-jobs-data}), so the AWS SDK and CLI work against it with an endpoint override.
 *
 * <p>Threading: one Netty event loop accepts and parses requests; the work runs on the Jobs service's engine thread
 * and the answer is written back from its future.
 */
package dev.fleetsim.local.controlplane;

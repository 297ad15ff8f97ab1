/**
 * The local IoT Jobs service: jobs, executions and the device MQTT API of spec §2 with the notification rules of
 * §3.7.
 *
 * <p>Threading: every piece of state here is confined to the engine thread of {@link
 * dev.fleetsim.local.jobs.JobsService}. Public entry points hop onto it and return futures; classes other than
 * {@code JobsService} are engine-thread only and not thread-safe.
 */
package dev.fleetsim.local.jobs;

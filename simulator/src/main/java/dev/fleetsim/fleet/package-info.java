/**
 * Spawning a fleet of virtual devices over a few shared Netty event loops, with paced connects.
 *
 * <p>Threading: a fleet owns one event loop group (default: one loop per core) shared by every device's MQTT
 * channel and agent; there is never a thread, timer or scheduler per device. {@link dev.fleetsim.fleet.Fleet} start
 * and stop are asynchronous.
 */
package dev.fleetsim.fleet;

/**
 * The virtual device: an MQTT client that runs the device side of AWS IoT Jobs, and the listener seam through which
 * it reports what happens to it.
 *
 * <p>Threading: each device lives on one Netty {@link io.netty.channel.EventLoop} for its whole life; its state is
 * plain fields touched only there. Work from elsewhere enters with {@code loop.execute(...)}, timers are
 * {@code loop.schedule(...)}. Nothing here blocks.
 */
package dev.fleetsim.device;

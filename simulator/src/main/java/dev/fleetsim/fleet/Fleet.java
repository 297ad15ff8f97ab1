package dev.fleetsim.fleet;

import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.VirtualDevice;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * N virtual devices on one shared event loop group. Devices are spread round-robin over the loops; connects are paced
 * at {@link FleetConfig#connectRatePerSecond()} by scheduling each device's start on its own loop.
 */
public final class Fleet implements AutoCloseable {
    private final FleetConfig config;
    private final EventLoopGroup group;
    private final List<VirtualDevice> devices;

    public Fleet(FleetConfig config, DeviceListener listener) {
        this.config = config;
        this.group = EventLoops.create(config.eventLoops(), "fleetsim-device");
        List<String> names = config.thingNames();
        this.devices = new ArrayList<>(names.size());
        for (String name : names) {
            EventLoop loop = group.next();
            devices.add(new VirtualDevice(name, loop, group, config.device(), listener));
        }
    }

    public List<VirtualDevice> devices() {
        return devices;
    }

    public List<String> thingNames() {
        return devices.stream().map(VirtualDevice::thingName).toList();
    }

    /**
     * Starts every device at the configured pace. The future completes when every device is ready, or exceptionally
     * with the first failure's cause; the other devices keep running.
     */
    public CompletableFuture<Void> start() {
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / config.connectRatePerSecond();
        List<CompletableFuture<Void>> readies = new ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            VirtualDevice device = devices.get(i);
            long delay = i * intervalNanos;
            group.next().schedule(device::start, delay, TimeUnit.NANOSECONDS);
            readies.add(device.ready());
        }
        return CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new));
    }

    /** Disconnects every device, then stops the event loops. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<?>[] stops = devices.stream().map(VirtualDevice::stop).toArray(CompletableFuture[]::new);
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture.allOf(stops)
                .orTimeout(10, TimeUnit.SECONDS)
                .whenComplete((v, e) ->
                        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null)));
        return done;
    }

    @Override
    public void close() {
        stop().join();
    }
}

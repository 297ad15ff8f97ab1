package dev.fleetsim.fleet;

import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * N virtual devices on one shared event loop group (one loop per core by default; never a thread, timer or scheduler
 * per device). Devices are spread round-robin over the loops and over the source addresses; each takes its cohort's
 * behaviour; connects are paced at {@link FleetConfig#connectRatePerSecond()} after a linear ramp, by one pacer task
 * per fleet.
 */
public final class Fleet implements AutoCloseable {
    private final FleetConfig config;
    private final EventLoopGroup group;
    private final List<VirtualDevice> devices;

    public Fleet(FleetConfig config, DeviceListener listener) {
        this(config, cohortConfigs(config), listener);
    }

    /** One device configuration per cohort, shared by its devices (not one per device: a fleet may hold millions). */
    private static IntFunction<DeviceConfig> cohortConfigs(FleetConfig config) {
        if (config.cohorts().isEmpty()) {
            return i -> config.device();
        }
        Map<Cohort, DeviceConfig> byCohort = new IdentityHashMap<>();
        return i -> byCohort.computeIfAbsent(
                Cohort.of(config.cohorts(), i, config.count()),
                c -> config.device()
                        .withBehaviour(c.behaviour(), config.device().seed()));
    }

    /** A fleet whose device {@code i} (index within the fleet) is configured by {@code deviceFor}. */
    public Fleet(FleetConfig config, IntFunction<DeviceConfig> deviceFor, DeviceListener listener) {
        this.config = config;
        this.group = EventLoops.create(config.eventLoops(), "fleetsim-device");
        this.devices = new ArrayList<>();
        int created = 0;
        // A configuration with each source address, made once for each configuration deviceFor gives (devices that
        // share a configuration share these too).
        Map<DeviceConfig, DeviceConfig[]> withAddress = new IdentityHashMap<>();
        for (int i = 0; i < config.count(); i++) {
            if (!config.shard().contains(i)) {
                continue;
            }
            DeviceConfig device = deviceFor.apply(i);
            if (!config.sourceAddresses().isEmpty()) {
                int a = created % config.sourceAddresses().size();
                DeviceConfig[] byAddress = withAddress.computeIfAbsent(
                        device, d -> new DeviceConfig[config.sourceAddresses().size()]);
                if (byAddress[a] == null) {
                    byAddress[a] =
                            device.withLocalAddress(config.sourceAddresses().get(a));
                }
                device = byAddress[a];
            }
            EventLoop loop = group.next();
            devices.add(new VirtualDevice(config.thingName(i), loop, group, device, listener));
            created++;
        }
    }

    public List<VirtualDevice> devices() {
        return devices;
    }

    public List<String> thingNames() {
        return devices.stream().map(VirtualDevice::thingName).toList();
    }

    public EventLoopGroup group() {
        return group;
    }

    /**
     * Starts every device at the configured pace. The future completes when every device is ready, or exceptionally
     * with the first failure's cause; the other devices keep running.
     */
    public CompletableFuture<Void> start() {
        List<CompletableFuture<Void>> readies = new ArrayList<>(devices.size());
        devices.forEach(d -> readies.add(d.ready()));
        new Pacer().schedule();
        return CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new));
    }

    /** One task on one loop starts the devices in batches: the rate ramps linearly over {@code rampUp}. */
    private final class Pacer {
        private final EventLoop loop = group.next();
        private final long startNanos = System.nanoTime();
        private final AtomicInteger next = new AtomicInteger();
        private double credit;
        private long lastNanos = startNanos;

        void schedule() {
            loop.execute(this::tick);
        }

        private void tick() {
            long now = System.nanoTime();
            double elapsed = (now - lastNanos) / 1e9;
            lastNanos = now;
            double ramp = config.rampUp().isZero()
                    ? 1
                    : Math.min(1, (now - startNanos) / (double) config.rampUp().toNanos());
            credit += Math.max(1, config.connectRatePerSecond() * ramp) * elapsed;
            if (next.get() == 0) {
                credit = Math.max(credit, 1);
            }
            while (credit >= 1 && next.get() < devices.size()) {
                devices.get(next.getAndIncrement()).start();
                credit -= 1;
            }
            if (next.get() < devices.size()) {
                loop.schedule(this::tick, 1, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * A disconnect storm: a seeded {@code fraction} of the devices goes offline for {@code duration}, then reconnects
     * with backoff and jitter.
     */
    public int disconnectStorm(double fraction, Duration duration, long seed) {
        return disconnectStorm(devices, fraction, duration, seed);
    }

    /** {@link #disconnectStorm(double, Duration, long)} over {@code devices} (a live run's, from outside the fleet). */
    public static int disconnectStorm(List<VirtualDevice> devices, double fraction, Duration duration, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int hit = 0;
        for (VirtualDevice device : devices) {
            if (random.nextDouble() < fraction) {
                device.goOffline(duration);
                hit++;
            }
        }
        return hit;
    }

    /** Applies {@code action} to the devices with index in [from, to) that exist; returns how many. */
    public static int inRange(List<VirtualDevice> devices, int from, int to, Consumer<VirtualDevice> action) {
        int n = 0;
        for (int i = from; i < to && i < devices.size(); i++) {
            action.accept(devices.get(i));
            n++;
        }
        return n;
    }

    /**
     * Applies {@code action} to this process's devices whose index in the whole fleet is in [from, to) (a shard holds
     * every n-th); returns how many.
     */
    public int inFleetRange(int from, int to, Consumer<VirtualDevice> action) {
        Shard shard = config.shard();
        int n = 0;
        for (int k = 0; k < devices.size(); k++) {
            int index = shard.index() + k * shard.count();
            if (index >= from && index < to) {
                action.accept(devices.get(k));
                n++;
            }
        }
        return n;
    }

    /** Disconnects every device, then stops the event loops. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<?>[] stops = devices.stream().map(VirtualDevice::stop).toArray(CompletableFuture[]::new);
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture.allOf(stops)
                .orTimeout(30, TimeUnit.SECONDS)
                .whenComplete((v, e) ->
                        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null)));
        return done;
    }

    @Override
    public void close() {
        stop().join();
    }
}

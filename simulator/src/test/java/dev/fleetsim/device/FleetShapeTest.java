package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.fleet.Cohort;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.fleet.Shard;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Thing names, shards and cohort assignment: pure arithmetic of the fleet's shape. */
class FleetShapeTest {
    private static final DeviceConfig DEVICE = DeviceConfig.simple("127.0.0.1", 1883, Duration.ZERO);

    private static FleetConfig fleet(int count, int start, Shard shard) {
        return new FleetConfig(count, "sim-%05d", start, 1, 100, Duration.ZERO, shard, List.of(), List.of(), DEVICE);
    }

    @Test
    void shardsAreDisjointAndCoverTheFleet() {
        Set<String> all = new HashSet<>();
        int total = 0;
        for (int i = 0; i < 4; i++) {
            List<String> names = fleet(10, 100, new Shard(i, 4)).thingNames();
            total += names.size();
            all.addAll(names);
        }
        assertThat(total).isEqualTo(10);
        assertThat(all).hasSize(10).contains("sim-00100", "sim-00109");
        assertThat(fleet(10, 100, Shard.parse("1/4")).thingNames())
                .containsExactly("sim-00101", "sim-00105", "sim-00109");
        assertThatThrownBy(() -> Shard.parse("4/4")).hasMessageContaining("0 <= i < n");
        assertThatThrownBy(() -> Shard.parse("x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cohortsTakeContiguousSharesIndependentOfSharding() {
        Cohort good = new Cohort(Behaviour.alwaysSucceeds(Duration.ZERO), 3);
        Cohort bad = new Cohort(Behaviour.alwaysSucceeds(Duration.ofSeconds(1)), 1);
        int goodCount = 0;
        for (int i = 0; i < 1000; i++) {
            if (Cohort.of(List.of(good, bad), i, 1000) == good) {
                goodCount++;
            }
        }
        assertThat(goodCount).isEqualTo(750);
        assertThat(Cohort.of(List.of(good, bad), 999, 1000)).isSameAs(bad);
    }

    @Test
    void devicesOfOneCohortAndSourceAddressShareOneConfiguration() throws Exception {
        List<Cohort> cohorts = List.of(
                new Cohort(Behaviour.alwaysSucceeds(Duration.ZERO), 1),
                new Cohort(Behaviour.alwaysSucceeds(Duration.ofSeconds(1)), 1));
        List<InetAddress> sources = List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3"));
        FleetConfig config = new FleetConfig(
                8,
                "sim-%05d",
                0,
                1,
                100,
                Duration.ZERO,
                Shard.ALL,
                sources,
                cohorts,
                DEVICE.withBehaviour(DEVICE.behaviour(), 42));
        try (Fleet fleet = new Fleet(config, DeviceListener.NONE)) {
            List<DeviceConfig> configs =
                    fleet.devices().stream().map(VirtualDevice::config).toList();
            for (int i = 0; i < 8; i++) {
                DeviceConfig c = configs.get(i);
                assertThat(c.behaviour()).isSameAs(Cohort.of(cohorts, i, 8).behaviour());
                assertThat(c.localAddress()).isEqualTo(sources.get(i % 2));
                assertThat(c.seed()).isEqualTo(42);
                assertThat(c.host()).isEqualTo(DEVICE.host());
            }
            Set<DeviceConfig> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(configs);
            assertThat(distinct)
                    .as("one configuration per cohort and source address")
                    .hasSize(4);
        }
    }
}

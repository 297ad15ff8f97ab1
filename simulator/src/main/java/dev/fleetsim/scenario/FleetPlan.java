package dev.fleetsim.scenario;

import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.target.Target;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

/**
 * A scenario's fleet against an MQTT endpoint: the devices of one process, either the whole fleet (a run) or one slice
 * of it (a device shard of a sharded run). One place for how cohorts, MQTT versions, downloads and code signing make
 * each device's configuration, so a sharded run's devices are the single run's, device for device.
 */
public final class FleetPlan {
    private FleetPlan() {}

    /** Every device's connection settings before its cohort: the endpoint, MQTT version and keep-alive. */
    public static DeviceConfig base(Scenario.FleetSpec spec, Target.Endpoint endpoint) {
        return DeviceConfig.simple(endpoint.host(), endpoint.port(), Duration.ofSeconds(1)).toBuilder()
                .mqttVersion(spec.mqttVersion())
                .keepAlive(spec.keepAlive())
                .cleanSession(spec.sessions() == Scenario.Sessions.clean)
                .build();
    }

    /**
     * The devices of {@code shard}, connecting at {@code connectRate} per second.
     *
     * @param codeSigningKey the key artifacts' signatures are checked with, or null when the target signs nothing
     */
    public static Fleet build(
            Scenario scenario,
            DeviceConfig base,
            PublicKey codeSigningKey,
            Downloader downloader,
            DeviceListener listener,
            Shard shard,
            int connectRate) {
        Scenario.FleetSpec spec = scenario.fleet();
        DeviceDownloads downloads = DeviceDownloads.discard(downloader, codeSigningKey);
        Behaviour fallback = Behaviour.alwaysSucceeds(scenario.real(Duration.ofSeconds(1)));
        FleetConfig config = new FleetConfig(
                spec.count(),
                spec.thingNamePattern(),
                spec.startIndex(),
                EventLoops.defaultThreads(),
                connectRate,
                spec.rampUp(),
                shard,
                List.of(),
                List.of(),
                base);
        return new Fleet(config, i -> device(scenario, base, downloads, downloader, fallback, i), listener);
    }

    private static DeviceConfig device(
            Scenario scenario,
            DeviceConfig base,
            DeviceDownloads downloads,
            Downloader downloader,
            Behaviour fallback,
            int i) {
        for (Scenario.CohortSpec c : scenario.cohorts()) {
            if (i >= c.from() && i < c.to()) {
                DeviceConfig cohort = c.mqttVersion() == null
                        ? base
                        : base.toBuilder().mqttVersion(c.mqttVersion()).build();
                return cohort.withBehaviour(c.behaviour(), scenario.seed())
                        .withDownloads(new DeviceDownloads(
                                downloader,
                                null,
                                c.bandwidth(),
                                downloads.codeSigningKey(),
                                c.progressStep(),
                                DeviceDownloads.DEFAULT_MAX_BYTES));
            }
        }
        return base.withBehaviour(fallback, scenario.seed()).withDownloads(downloads);
    }
}

package dev.fleetsim.gatling;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Closed loops of GetPendingJobExecutions and DescribeJobExecution($next) at a constant number of connected devices:
 * the Gatling twin of {@code fleetsim bench jobs-api}, at its QoS 0. {@code -Dfleetsim.devices=N} (default 1,000),
 * {@code -Dfleetsim.seconds=S} measured (default 30) after {@code -Dfleetsim.warmup=S} (default 20);
 * {@code -Dfleetsim.endpoints=STATE/endpoints.json} runs against a {@code fleetsim local} in another process.
 */
public class DeviceApiThroughputSimulation extends IotJobsSimulation {
    private static final int DEVICES = Integer.getInteger("fleetsim.devices", 1_000);
    private static final int SECONDS = Integer.getInteger("fleetsim.seconds", 30);
    private static final int WARM_UP = Integer.getInteger("fleetsim.warmup", 20);
    private static final String ENDPOINTS = System.getProperty("fleetsim.endpoints");

    private final IotJobsProtocol iot = (ENDPOINTS == null
                    ? IotJobs.iotJobs().embedded(1)
                    : IotJobs.iotJobs().external(Path.of(ENDPOINTS)))
            .devices(DEVICES)
            .thingNamePattern("api-%05d")
            .qos(0) // as fleetsim bench jobs-api measures: the comparison is like for like
            .build();

    // The same loop first inside a "warm-up" group (its requests are reported apart, as "warm-up / …"), so the
    // plain request names measure a JIT-compiled steady state, as the bench does after its own warm-up.
    private final ScenarioBuilder devices = scenario("device API")
            .exec(iot.connect(), iot.subscribe())
            .exitHereIfFailed()
            .group("warm-up")
            .on(during(Duration.ofSeconds(WARM_UP)).on(iot.getPending(), iot.describe()))
            .during(Duration.ofSeconds(SECONDS))
            .on(iot.getPending(), iot.describe());

    {
        // Every device connects within 2 s and loops for the measured time: a constant concurrency of DEVICES.
        setUp(devices.injectOpen(rampUsers(DEVICES).during(Duration.ofSeconds(2))))
                .assertions(
                        details("GetPendingJobExecutions")
                                .failedRequests()
                                .percent()
                                .lt(1.0),
                        details("DescribeJobExecution")
                                .failedRequests()
                                .percent()
                                .lt(1.0));
    }

    @Override
    protected IotJobsProtocol iot() {
        return iot;
    }
}

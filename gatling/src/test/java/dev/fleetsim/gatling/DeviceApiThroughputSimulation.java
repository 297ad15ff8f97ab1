package dev.fleetsim.gatling;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * Closed loops of GetPendingJobExecutions and DescribeJobExecution($next) at a constant number of connected devices:
 * the Gatling twin of {@code fleetsim bench jobs-api}, at its QoS 0. {@code -Dfleetsim.devices=N} (default 1,000),
 * {@code -Dfleetsim.seconds=S} (default 30).
 */
public class DeviceApiThroughputSimulation extends IotJobsSimulation {
    private static final int DEVICES = Integer.getInteger("fleetsim.devices", 1_000);
    private static final int SECONDS = Integer.getInteger("fleetsim.seconds", 30);

    private final IotJobsProtocol iot = IotJobs.iotJobs()
            .embedded(1)
            .devices(DEVICES)
            .thingNamePattern("api-%05d")
            .qos(0) // as fleetsim bench jobs-api measures: the comparison is like for like
            .build();

    private final ScenarioBuilder devices = scenario("device API")
            .exec(iot.connect(), iot.subscribe())
            .exitHereIfFailed()
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

package dev.fleetsim.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Choice;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A soak: a job every simulated 10 minutes (10 real seconds at 60x) for the whole fleet; devices take each job, and
 * one in ten drops offline for a while after it and comes back. {@code -Dfleetsim.duration=SECONDS} (default 300),
 * {@code -Dfleetsim.devices=N} (default 500).
 */
public class SoakSimulation extends IotJobsSimulation {
    private static final int DEVICES = Integer.getInteger("fleetsim.devices", 500);
    private static final Duration DURATION = Duration.ofSeconds(Integer.getInteger("fleetsim.duration", 300));

    private final IotJobsProtocol iot = IotJobs.iotJobs()
            .embedded(60)
            .devices(DEVICES)
            .thingNamePattern("soak-%05d")
            .outcomes(99, 1, 0, 0)
            .install(Duration.ofMinutes(1), Duration.ofMinutes(3))
            .build();

    private final AtomicInteger jobs = new AtomicInteger();

    private final ScenarioBuilder devices = scenario("devices")
            .exec(iot.connect(), iot.subscribe())
            .exitHereIfFailed()
            .during(DURATION)
            .on(
                    iot.awaitJob(Duration.ofSeconds(30)),
                    iot.runJob(),
                    randomSwitch().on(new Choice.WithWeight(10.0, exec(iot.offline(Duration.ofSeconds(3))))));

    private final ScenarioBuilder operator = scenario("operator")
            .pause(Duration.ofSeconds(5))
            .during(DURATION)
            .on(exec(iot.createJob(b -> b.jobId("push-" + jobs.incrementAndGet())
                            .document("{\"operation\":\"install\",\"version\":\"" + jobs.get() + "\"}")))
                    .pause(Duration.ofSeconds(10)));

    {
        setUp(
                        devices.injectOpen(rampUsers(DEVICES).during(Duration.ofSeconds(10))),
                        operator.injectOpen(atOnceUsers(1)))
                .maxDuration(DURATION.plusSeconds(60))
                .assertions(details("runJob").successfulRequests().percent().gte(95.0));
    }

    @Override
    protected IotJobsProtocol iot() {
        return iot;
    }
}

package dev.fleetsim.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.services.iot.model.JobProcessDetails;

/**
 * A staged rollout over mutual TLS: devices ramp in and wait for work, an operator creates one job with an exponential rollout, each
 * device carries its execution out ({@code download}, {@code install}, {@code report} and {@code runJob} in
 * Gatling's report), and the operator waits for the job to complete. Size by {@code -Dfleetsim.devices=N}
 * (default 300). After the run, DescribeJob's counts go to {@code staged-rollout-service.json} in
 * {@code -Dfleetsim.results} (default {@code target/gatling}) so a test can hold Gatling's figures against the
 * service's.
 */
public class StagedRolloutSimulation extends IotJobsSimulation {
    private static final int DEVICES = Integer.getInteger("fleetsim.devices", 300);

    private final IotJobsProtocol iot = IotJobs.iotJobs()
            .embedded(60)
            .devices(DEVICES)
            .tls() // a certificate per device from CreateKeysAndCertificate, MQTT over mutual TLS
            .bandwidth("20Mbps")
            .thingNamePattern("staged-%05d")
            .outcomes(95, 5, 0, 0)
            .install(Duration.ofSeconds(30), Duration.ofMinutes(2))
            .seed(42)
            .build();

    private final ScenarioBuilder devices = scenario("devices")
            .exec(iot.connect(), iot.subscribe(), iot.awaitJob(Duration.ofSeconds(90)))
            .exitHereIfFailed()
            .exec(iot.runJob(), iot.disconnect());

    private final ScenarioBuilder operator = scenario("operator")
            .pause(Duration.ofSeconds(6))
            .exec(iot.createJob("""
                            {"jobId": "staged-rollout",
                             "document": "{\\"operation\\":\\"install\\",\\"version\\":\\"3.1.0\\"}",
                             "jobExecutionsRolloutConfig": {"exponentialRate": {"baseRatePerMinute": 50,
                               "incrementFactor": 2, "rateIncreaseCriteria": {"numberOfNotifiedThings": 50}},
                               "maximumPerMinute": 1000}}
                            """), iot.awaitJobStatus("staged-rollout", "COMPLETED", Duration.ofSeconds(120)));

    {
        setUp(devices.injectOpen(rampUsers(DEVICES).during(Duration.ofSeconds(4))), operator.injectOpen(atOnceUsers(1)))
                .assertions(
                        global().failedRequests().percent().lt(10.0),
                        details("runJob").successfulRequests().percent().gte(90.0),
                        details("runJob").responseTime().percentile(99.0).lt(60_000),
                        details("connect").failedRequests().count().is(0L),
                        details("awaitJobStatus").failedRequests().count().is(0L));
    }

    @Override
    protected IotJobsProtocol iot() {
        return iot;
    }

    @Override
    public void after() {
        try {
            JobProcessDetails d =
                    iot.iot().describeJob(r -> r.jobId("staged-rollout")).job().jobProcessDetails();
            ObjectNode service = JobsJson.mapper().createObjectNode();
            service.put("succeeded", d.numberOfSucceededThings());
            service.put("failed", d.numberOfFailedThings());
            service.put("devices", DEVICES);
            Path out = Path.of(System.getProperty("fleetsim.results", "target/gatling"), "staged-rollout-service.json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, service.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            super.after();
        }
    }
}

package dev.fleetsim.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import dev.fleetsim.jobs.JobExecutionStatus;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * What goes wrong shows up as KO with the service's or the device's reason, not as a crash: a job that never comes
 * ({@code awaitJob} times out), an update with a stale version ({@code UpdateJobExecution} rejected VersionMismatch),
 * and a download that cannot be fetched ({@code download} and {@code runJob} KO, the execution FAILED).
 * {@code GatlingReportIT} reads the report's error table.
 */
public class KoPathsSimulation extends IotJobsSimulation {
    private final IotJobsProtocol iot = IotJobs.iotJobs()
            .embedded(60)
            .devices(3)
            .thingNamePattern("ko-%02d")
            .build();

    /** Device 0: nothing comes. */
    private final ScenarioBuilder waiting =
            scenario("nothing comes").exec(iot.connect(), iot.subscribe(), iot.awaitJob(Duration.ofSeconds(2)));

    /** Device 1: takes its job, then sends an update with a version the service has moved past. */
    private final ScenarioBuilder stale = scenario("stale version")
            .pause(Duration.ofMillis(300))
            .exec(iot.connect(), iot.subscribe(), iot.awaitJob(Duration.ofSeconds(20)))
            .exec(session -> session.set(IotJobsProtocol.JOB_VERSION, 99))
            .exec(iot.update(JobExecutionStatus.IN_PROGRESS));

    /** Device 2: its job's artifact is on a port where nothing listens. */
    private final ScenarioBuilder download = scenario("bad download")
            .pause(Duration.ofMillis(600))
            .exec(iot.connect(), iot.subscribe(), iot.awaitJob(Duration.ofSeconds(20)), iot.runJob());

    private final ScenarioBuilder operator = scenario("operator")
            .pause(Duration.ofSeconds(3))
            .exec(
                    iot.createJob(b -> b.jobId("stale")
                            .targets(iot.thingArn("ko-01"))
                            .document("{\"operation\":\"install\",\"version\":\"2\"}")),
                    iot.createJob(b -> b.jobId("unreachable")
                            .targets(iot.thingArn("ko-02"))
                            .document("{\"operation\":\"install\",\"version\":\"2\","
                                    + "\"url\":\"http://127.0.0.1:1/firmware.bin\",\"size\":1024}")));

    {
        setUp(
                        waiting.injectOpen(atOnceUsers(1)),
                        stale.injectOpen(atOnceUsers(1)),
                        download.injectOpen(atOnceUsers(1)),
                        operator.injectOpen(atOnceUsers(1)))
                .assertions(
                        details("awaitJob").failedRequests().count().is(1L),
                        details("UpdateJobExecution").failedRequests().count().is(1L),
                        details("download").failedRequests().count().is(1L),
                        details("runJob").failedRequests().count().is(1L),
                        details("CreateJob").failedRequests().count().is(0L));
    }

    @Override
    protected IotJobsProtocol iot() {
        return iot;
    }
}

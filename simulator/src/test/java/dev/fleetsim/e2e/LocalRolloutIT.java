package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.CreateJobSpec;
import dev.fleetsim.local.jobs.JobStatus;
import dev.fleetsim.local.jobs.JobView;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The walking skeleton end to end over real sockets: embedded broker, local Jobs service, 10 MQTT devices. */
class LocalRolloutIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tenDevicesRunOneJobToSucceeded() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(30, TimeUnit.SECONDS)) {
            Set<String> succeeded = ConcurrentHashMap.newKeySet();
            DeviceListener listener = new DeviceListener() {
                @Override
                public void statusReported(String thingName, String jobId, JobExecutionStatus status, long t) {
                    if (status == JobExecutionStatus.SUCCEEDED) {
                        succeeded.add(thingName);
                    }
                }
            };
            FleetConfig config = FleetConfig.of(
                    10, "it-%02d", 2, 1000, DeviceConfig.simple("127.0.0.1", stack.mqttPort(), Duration.ofMillis(50)));
            try (Fleet fleet = new Fleet(config, listener)) {
                stack.jobs().registerThings(fleet.thingNames()).get(5, TimeUnit.SECONDS);
                fleet.start().get(30, TimeUnit.SECONDS);

                stack.jobs()
                        .createJob(new CreateJobSpec(
                                "job-1", fleet.thingNames(), "{\"operation\":\"install\",\"version\":\"2.0.0\"}", null))
                        .get(5, TimeUnit.SECONDS);

                JobView job = awaitCompleted(stack, "job-1");
                assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
                assertThat(job.count(JobExecutionStatus.SUCCEEDED)).isEqualTo(10);
                assertThat(job.executionCounts()).containsOnlyKeys(JobExecutionStatus.SUCCEEDED);
                assertThat(succeeded).hasSize(10);
            }
        }
    }

    private static JobView awaitCompleted(LocalStack stack, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JobView view =
                    stack.jobs().describeJob(jobId).get(5, TimeUnit.SECONDS).orElseThrow();
            if (view.status() != JobStatus.IN_PROGRESS || System.nanoTime() > deadline) {
                return view;
            }
            Thread.sleep(50);
        }
    }
}

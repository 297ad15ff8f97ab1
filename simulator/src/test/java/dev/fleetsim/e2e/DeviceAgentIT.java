package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.device.behaviour.Outcome;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.RecordingDeviceListener;
import dev.fleetsim.testing.TestDevice;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobStatus;

/**
 * The device agent against the real local stack (broker + Jobs service on a clock running 60×): seeded cohorts with
 * exact counts, reboot-and-resume, cancellation mid-job, hang until timeout, VersionMismatch recovery, bad documents.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeviceAgentIT {
    private static LocalStack stack;
    private static IotClient iot;
    private static EventLoopGroup group;
    private final List<VirtualDevice> devices = new ArrayList<>();
    private final RecordingDeviceListener events = new RecordingDeviceListener();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral().withClock(new VirtualClock(60)))
                .get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
        group = EventLoops.create(2, "agent-it");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        iot.close();
        stack.close();
    }

    @AfterEach
    void stopDevices() {
        CompletableFuture.allOf(devices.stream().map(VirtualDevice::stop).toArray(CompletableFuture[]::new))
                .join();
    }

    private static Behaviour behaviour(
            double succeed, double fail, double reject, double hang, Duration install, double reboot) {
        return new Behaviour(
                "test",
                succeed,
                fail,
                reject,
                hang,
                Distribution.fixed(Duration.ofMillis(20)),
                Distribution.fixed(install),
                reboot,
                0,
                Distribution.fixed(Duration.ofMillis(300)));
    }

    private VirtualDevice device(String thing, Behaviour behaviour, long seed) throws Exception {
        iot.createThing(r -> r.thingName(thing));
        DeviceConfig config = DeviceConfig.simple("127.0.0.1", stack.mqttPort(), Duration.ZERO)
                .withBehaviour(behaviour, seed)
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(500));
        VirtualDevice device = new VirtualDevice(thing, group.next(), group, config, events);
        devices.add(device);
        device.start();
        device.ready().get(20, TimeUnit.SECONDS);
        return device;
    }

    private static Job awaitJob(String jobId, JobStatus status) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Job job;
        do {
            Thread.sleep(50);
            job = iot.describeJob(r -> r.jobId(jobId)).job();
        } while (job.status() != status && System.nanoTime() < deadline);
        return job;
    }

    @Test
    void seededCohortGivesExactlyThePredictedCounts() throws Exception {
        Behaviour mixed = behaviour(6, 2, 2, 0, Duration.ofMillis(30), 0);
        long seed = 1234;
        Map<Outcome, Integer> expected = new EnumMap<>(Outcome.class);
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String thing = "mix-" + i;
            device(thing, mixed, seed);
            arns.add(iot.describeThing(r -> r.thingName(thing)).thingArn());
            expected.merge(mixed.plan(seed, thing, "mix-job", 1).outcome(), 1, Integer::sum);
        }
        iot.createJob(
                r -> r.jobId("mix-job").targets(arns).document("{\"operation\":\"install\",\"version\":\"3.0\"}"));

        Job job = awaitJob("mix-job", JobStatus.COMPLETED);

        assertThat(job.jobProcessDetails().numberOfSucceededThings())
                .isEqualTo(expected.getOrDefault(Outcome.SUCCEED, 0));
        assertThat(job.jobProcessDetails().numberOfFailedThings()).isEqualTo(expected.getOrDefault(Outcome.FAIL, 0));
        assertThat(job.jobProcessDetails().numberOfRejectedThings())
                .isEqualTo(expected.getOrDefault(Outcome.REJECT, 0));
        assertThat(expected.get(Outcome.SUCCEED))
                .as("the seed gives a real mix")
                .isBetween(10, 29);
        for (VirtualDevice d : devices) {
            Outcome outcome = mixed.plan(seed, d.thingName(), "mix-job", 1).outcome();
            String firmware = CompletableFuture.supplyAsync(() -> d.disk().firmwareVersion(), d.loop())
                    .get();
            assertThat(firmware).as(d.thingName()).isEqualTo(outcome == Outcome.SUCCEED ? "3.0" : "1.0.0");
        }
    }

    @Test
    void rebootDuringInstallResumesAndSucceeds() throws Exception {
        VirtualDevice device = device("reboot-1", behaviour(1, 0, 0, 0, Duration.ofMillis(400), 1.0), 1);
        String arn = iot.describeThing(r -> r.thingName("reboot-1")).thingArn();
        iot.createJob(
                r -> r.jobId("reboot-job").targets(arn).document("{\"operation\":\"install\",\"version\":\"4.1\"}"));

        events.await("reboot-1 status reboot-job SUCCEEDED", 20_000);

        assertThat(events.events()).contains("reboot-1 disconnected", "reboot-1 phase install");
        assertThat(events.count("reboot-1 received reboot-job#1"))
                .as("taken up again after the reboot")
                .isEqualTo(2);
        assertThat(CompletableFuture.supplyAsync(() -> device.disk().firmwareVersion(), device.loop())
                        .get())
                .isEqualTo("4.1");
        var details = iot.describeJobExecution(r -> r.jobId("reboot-job").thingName("reboot-1"))
                .execution()
                .statusDetails()
                .detailsMap();
        assertThat(details).containsEntry("step", "done").containsEntry("firmware", "4.1");
    }

    @Test
    void cancellationMidJobStopsLocalWorkAndTheDeviceTakesTheNextJob() throws Exception {
        device("cancel-1", behaviour(1, 0, 0, 0, Duration.ofSeconds(5), 0), 1);
        String arn = iot.describeThing(r -> r.thingName("cancel-1")).thingArn();
        iot.createJob(r -> r.jobId("long-job").targets(arn).document("{\"operation\":\"install\",\"version\":\"9\"}"));
        events.await("cancel-1 status long-job IN_PROGRESS", 10_000);

        iot.cancelJobExecution(r -> r.jobId("long-job").thingName("cancel-1").force(true));
        events.await("cancel-1 canceled long-job#1", 10_000);

        iot.createJob(r -> r.jobId("next-job").targets(arn).document("{\"operation\":\"reboot\"}"));
        events.await("cancel-1 status next-job SUCCEEDED", 20_000);
        assertThat(events.events()).doesNotContain("cancel-1 status long-job SUCCEEDED");
    }

    @Test
    void hangingDeviceTimesOutAndDropsItsWork() throws Exception {
        device("hang-1", behaviour(0, 0, 0, 1, Duration.ofMillis(20), 0), 1);
        String arn = iot.describeThing(r -> r.thingName("hang-1")).thingArn();
        iot.createJob(r -> r.jobId("hang-job")
                .targets(arn)
                .document("{\"operation\":\"install\",\"version\":\"5\"}")
                .timeoutConfig(t -> t.inProgressTimeoutInMinutes(1L)));

        events.await("hang-1 canceled hang-job#1", 20_000);
        assertThat(iot.describeJobExecution(r -> r.jobId("hang-job").thingName("hang-1"))
                        .execution()
                        .status())
                .isEqualTo(software.amazon.awssdk.services.iot.model.JobExecutionStatus.TIMED_OUT);
    }

    @Test
    void versionMismatchIsRecoveredByAdoptingTheServiceVersion() throws Exception {
        device("vm-1", behaviour(1, 0, 0, 0, Duration.ofSeconds(2), 0), 1);
        String arn = iot.describeThing(r -> r.thingName("vm-1")).thingArn();
        iot.createJob(r -> r.jobId("vm-job").targets(arn).document("{\"operation\":\"install\",\"version\":\"6\"}"));
        events.await("vm-1 status vm-job IN_PROGRESS", 10_000);
        try (TestDevice other = TestDevice.connect("vm-1-operator", stack.mqttPort())) {
            // Someone else moves the execution's version on (an operator tool using the thing's topics).
            other.publishTo(
                    "$aws/things/vm-1/jobs/vm-job/update",
                    "{\"status\":\"IN_PROGRESS\"," + "\"statusDetails\":{\"step\":\"install\",\"note\":\"poke\"}}");
        }

        events.await("vm-1 status vm-job SUCCEEDED", 20_000);
        assertThat(events.events()).contains("vm-1 rejected VersionMismatch");
    }

    @Test
    void throttledRequestsAreResentWithBackoffUntilTheyGoThrough() throws Exception {
        try (LocalStack throttled = LocalStack.start(
                                LocalStackConfig.ephemeral().withDeviceApiRate(2))
                        .get(60, TimeUnit.SECONDS);
                IotClient throttledIot = LocalAws.iot(throttled)) {
            List<String> arns = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String thing = "thr-" + i;
                arns.add(throttledIot.createThing(r -> r.thingName(thing)).thingArn());
                DeviceConfig config = DeviceConfig.simple("127.0.0.1", throttled.mqttPort(), Duration.ZERO)
                        .withBehaviour(behaviour(1, 0, 0, 0, Duration.ofMillis(10), 0), 1)
                        .withRetry(Duration.ofMillis(100), Duration.ofSeconds(1));
                VirtualDevice device = new VirtualDevice(thing, group.next(), group, config, events);
                devices.add(device);
                device.start();
            }
            for (VirtualDevice d : devices) {
                d.ready().get(30, TimeUnit.SECONDS);
            }
            throttledIot.createJob(r -> r.jobId("thr-job").targets(arns).document("{\"operation\":\"reboot\"}"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Job job;
            do {
                Thread.sleep(100);
                job = throttledIot.describeJob(r -> r.jobId("thr-job")).job();
            } while (job.status() != JobStatus.COMPLETED && System.nanoTime() < deadline);

            assertThat(job.jobProcessDetails().numberOfSucceededThings()).isEqualTo(8);
            assertThat(events.events()).anyMatch(e -> e.endsWith("rejected RequestThrottled"));
        }
    }

    @Test
    void factoryResetWipesTheStateAndReconnectsWithACleanSession() throws Exception {
        VirtualDevice device = device("reset-1", behaviour(1, 0, 0, 0, Duration.ofMillis(20), 0), 1);
        String arn = iot.describeThing(r -> r.thingName("reset-1")).thingArn();
        iot.createJob(r ->
                r.jobId("fw-before-reset").targets(arn).document("{\"operation\":\"install\",\"version\":\"8.0\"}"));
        events.await("reset-1 status fw-before-reset SUCCEEDED", 20_000);
        assertThat(CompletableFuture.supplyAsync(() -> device.disk().firmwareVersion(), device.loop())
                        .get())
                .isEqualTo("8.0");

        iot.createJob(r -> r.jobId("reset").targets(arn).document("{\"operation\":\"factory-reset\"}"));
        events.await("reset-1 status reset SUCCEEDED", 20_000);
        events.await("reset-1 disconnected", 10_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.count("reset-1 connectStart") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(events.count("reset-1 connectStart")).isGreaterThanOrEqualTo(2);
        assertThat(CompletableFuture.supplyAsync(() -> device.disk().firmwareVersion(), device.loop())
                        .get())
                .isEqualTo("1.0.0");
    }

    @Test
    void badDocumentsAreRejectedWithAReasonAndTheFleetCarriesOn() throws Exception {
        device("bad-1", behaviour(1, 0, 0, 0, Duration.ofMillis(20), 0), 1);
        device("good-1", behaviour(1, 0, 0, 0, Duration.ofMillis(20), 0), 1);
        String bad = iot.describeThing(r -> r.thingName("bad-1")).thingArn();
        String good = iot.describeThing(r -> r.thingName("good-1")).thingArn();
        iot.createJob(r -> r.jobId("escape-job")
                .targets(bad)
                .document("{\"operation\":\"download\",\"url\":\"https://h/f\",\"fileName\":\"../../../etc/passwd\"}"));
        iot.createJob(r -> r.jobId("unknown-job").targets(bad).document("{\"operation\":\"teleport\"}"));
        iot.createJob(r -> r.jobId("fine-job").targets(good).document("{\"operation\":\"install\",\"version\":\"7\"}"));

        events.await("bad-1 status unknown-job REJECTED", 20_000);
        events.await("good-1 status fine-job SUCCEEDED", 20_000);
        var escape = iot.describeJobExecution(r -> r.jobId("escape-job").thingName("bad-1"))
                .execution();
        assertThat(escape.status()).isEqualTo(software.amazon.awssdk.services.iot.model.JobExecutionStatus.REJECTED);
        assertThat(escape.statusDetails().detailsMap().get("reason")).contains("escapes the device sandbox");
        assertThat(iot.describeJobExecution(r -> r.jobId("unknown-job").thingName("bad-1"))
                        .execution()
                        .statusDetails()
                        .detailsMap()
                        .get("reason"))
                .contains("unknown operation 'teleport'");
        // The device that rejected two bad documents carries on with the next good one.
        iot.createJob(r -> r.jobId("after-bad").targets(bad).document("{\"operation\":\"install\",\"version\":\"8\"}"));
        events.await("bad-1 status after-bad SUCCEEDED", 20_000);
    }
}

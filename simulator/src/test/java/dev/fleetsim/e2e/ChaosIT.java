package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.bench.ChildStack;
import dev.fleetsim.device.ConnectFailures;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.TeeListener;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.device.behaviour.Outcome;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.JobExecutionSummaryForJob;

/**
 * A 2,000-device rollout while {@code fleetsim local} is killed with SIGKILL three times at seeded random moments and
 * started again on the same folder and ports. Every execution ends terminal; the outcome counts are the seeded plan's
 * (what a run without kills gives: each execution's outcome is drawn from the seed, the thing and the job), and no
 * update a device saw accepted is missing from the service.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ChaosIT {
    private static final int DEVICES = 2_000;
    private static final long SEED = 2026;

    @TempDir
    Path work;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** What each device saw accepted: thing → the statuses of its accepted updates, in order. */
    private static final class AcceptedLog implements DeviceListener {
        final Map<String, List<JobExecutionStatus>> accepted = new ConcurrentHashMap<>();

        @Override
        public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
            accepted.computeIfAbsent(thingName, t -> new ArrayList<>()).add(status);
        }
    }

    /**
     * Waits for every device to be connected, subscribed and answered; otherwise fails saying which states the others
     * are in, how many connects failed and why, and what the stack logged last.
     */
    private static void awaitReady(List<VirtualDevice> devices, ConnectFailures failures, Path state) throws Exception {
        long start = System.nanoTime();
        try {
            CompletableFuture.allOf(devices.stream().map(VirtualDevice::ready).toArray(CompletableFuture[]::new))
                    .get(180, TimeUnit.SECONDS);
            System.out.printf(
                    "ChaosIT: %,d devices ready in %,d ms, %,d failed connects on the way%n",
                    devices.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), failures.count());
        } catch (TimeoutException e) {
            Map<VirtualDevice.State, Long> waiting = devices.stream()
                    .filter(d -> !d.ready().isDone())
                    .collect(Collectors.groupingBy(VirtualDevice::state, Collectors.counting()));
            List<String> stackLog = Files.readAllLines(state.resolve("local.log"));
            throw new AssertionError(
                    "not ready after 180 s: " + waiting + "; " + failures.count() + " failed connects, the first: "
                            + failures.firstRootCause() + "; the stack's log ends:\n"
                            + String.join("\n", stackLog.subList(Math.max(0, stackLog.size() - 30), stackLog.size())),
                    e);
        }
    }

    @Test
    void aRolloutSurvivesThreeKillsWithEveryExecutionTerminalAndNothingAnsweredLost() throws Exception {
        Path state = work.resolve("state");
        int mqtt = freePort();
        int control = freePort();
        List<String> options = List.of(
                "--mqtt-port", Integer.toString(mqtt),
                "--mqtts-port", "-1",
                "--mqtt-alpn-port", "-1",
                "--control-plane-port", Integer.toString(control),
                "--data-plane-port", Integer.toString(freePort()),
                "--s3-port", Integer.toString(freePort()),
                "--time-scale", "10");
        Behaviour behaviour = new Behaviour(
                "chaos",
                9,
                1,
                0,
                0,
                Distribution.fixed(Duration.ZERO),
                new Distribution.Uniform(Duration.ofMillis(500), Duration.ofMillis(2_500)),
                0,
                0,
                Distribution.fixed(Duration.ofMillis(200)));
        ChildStack stack = ChildStack.start(state, false, options);
        EventLoopGroup group = EventLoops.create(2, "chaos-device");
        ExecutorService sdk = Executors.newFixedThreadPool(8);
        AcceptedLog log = new AcceptedLog();
        ConnectFailures failures = new ConnectFailures();
        List<VirtualDevice> devices = new ArrayList<>();
        try (IotClient iot = AwsClients.iot(
                URI.create("http://127.0.0.1:" + control),
                "us-east-1",
                AwsClients.credentials(AccessKeyPair.DEFAULT))) {
            iot.createThingGroup(r -> r.thingGroupName("chaos"));
            List<CompletableFuture<?>> registered = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                String thing = String.format("chaos-%04d", i);
                registered.add(CompletableFuture.runAsync(
                        () -> {
                            iot.createThing(r -> r.thingName(thing));
                            iot.addThingToThingGroup(
                                    r -> r.thingGroupName("chaos").thingName(thing));
                        },
                        sdk));
            }
            CompletableFuture.allOf(registered.toArray(CompletableFuture[]::new))
                    .get(120, TimeUnit.SECONDS);
            DeviceConfig config = DeviceConfig.simple("127.0.0.1", mqtt, Duration.ZERO)
                    .withBehaviour(behaviour, SEED)
                    .withRetry(Duration.ofMillis(200), Duration.ofSeconds(2));
            for (int i = 0; i < DEVICES; i++) {
                VirtualDevice d = new VirtualDevice(
                        String.format("chaos-%04d", i),
                        group.next(),
                        group,
                        config.toBuilder().answerTimeout(Duration.ofSeconds(3)).build(),
                        new TeeListener(log, failures));
                devices.add(d);
                d.start();
            }
            awaitReady(devices, failures, state);
            iot.createJob(r -> r.jobId("chaos-fw")
                    .targets(iot.describeThingGroup(g -> g.thingGroupName("chaos"))
                            .thingGroupArn())
                    .document("{\"operation\":\"install\",\"version\":\"7\"}"));

            // Three SIGKILLs at seeded moments during the rollout, each followed by a start on the same folder and
            // ports.
            Random random = new Random(SEED);
            for (int kill = 0; kill < 3; kill++) {
                Thread.sleep(2_000 + random.nextInt(3_000));
                stack.kill();
                stack = ChildStack.start(state, false, options);
            }

            Map<JobExecutionStatus, Integer> counts = new EnumMap<>(JobExecutionStatus.class);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            List<JobExecutionSummaryForJob> executions;
            do {
                Thread.sleep(1_000);
                executions = iot
                        .listJobExecutionsForJobPaginator(
                                r -> r.jobId("chaos-fw").maxResults(250))
                        .executionSummaries()
                        .stream()
                        .toList();
                counts.clear();
                executions.forEach(e -> counts.merge(
                        JobExecutionStatus.valueOf(e.jobExecutionSummary().statusAsString()), 1, Integer::sum));
            } while ((executions.size() < DEVICES
                            || counts.getOrDefault(JobExecutionStatus.QUEUED, 0) > 0
                            || counts.getOrDefault(JobExecutionStatus.IN_PROGRESS, 0) > 0)
                    && System.nanoTime() < deadline);

            // What a run without kills gives: each outcome is the seeded draw of (seed, thing, job, execution 1).
            Map<JobExecutionStatus, Integer> planned = new EnumMap<>(JobExecutionStatus.class);
            for (int i = 0; i < DEVICES; i++) {
                Outcome o = behaviour
                        .plan(SEED, String.format("chaos-%04d", i), "chaos-fw", 1)
                        .outcome();
                planned.merge(
                        o == Outcome.SUCCEED ? JobExecutionStatus.SUCCEEDED : JobExecutionStatus.FAILED,
                        1,
                        Integer::sum);
            }
            assertThat(executions).hasSize(DEVICES);
            assertThat(counts).isEqualTo(planned);

            // Nothing a device saw accepted is missing: its terminal status is the service's.
            Map<String, String> service = new ConcurrentHashMap<>();
            executions.forEach(e -> service.put(
                    e.thingArn().substring(e.thingArn().lastIndexOf('/') + 1),
                    e.jobExecutionSummary().statusAsString()));
            int checked = 0;
            for (Map.Entry<String, List<JobExecutionStatus>> seen : log.accepted.entrySet()) {
                for (JobExecutionStatus status : seen.getValue()) {
                    if (status.isTerminal()) {
                        assertThat(service.get(seen.getKey())).as(seen.getKey()).isEqualTo(status.name());
                        checked++;
                    }
                }
            }
            assertThat(checked).as("terminal updates devices saw accepted").isGreaterThan(DEVICES / 2);
        } finally {
            CompletableFuture.allOf(devices.stream().map(VirtualDevice::stop).toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            sdk.shutdownNow();
            stack.close();
        }
    }
}

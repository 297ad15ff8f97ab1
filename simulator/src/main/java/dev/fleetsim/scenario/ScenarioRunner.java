package dev.fleetsim.scenario;

import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.fleet.EventLoops;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.CreateJobSpec;
import dev.fleetsim.local.jobs.JobStatus;
import dev.fleetsim.local.jobs.JobView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Plays a scenario against the local stack: start the stack, connect the fleet, create the jobs, wait until every
 * execution is terminal or the timeout passes, stop everything, and report.
 */
public final class ScenarioRunner {
    private static final Duration FLEET_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 100;

    private final LocalStackConfig stackConfig;
    private final Consumer<String> progress;

    /**
     * @param stackConfig where the local stack listens
     * @param progress receives one line per milestone (the CLI prints them)
     */
    public ScenarioRunner(LocalStackConfig stackConfig, Consumer<String> progress) {
        this.stackConfig = stackConfig;
        this.progress = progress;
    }

    public RunResult run(Scenario scenario) throws InterruptedException, ExecutionException, TimeoutException {
        LocalStack stack = LocalStack.start(stackConfig).get(60, TimeUnit.SECONDS);
        try {
            return runOn(stack, scenario);
        } finally {
            stack.stop().get(60, TimeUnit.SECONDS);
        }
    }

    private RunResult runOn(LocalStack stack, Scenario scenario)
            throws InterruptedException, ExecutionException, TimeoutException {
        long runStart = System.nanoTime();
        Scenario.FleetSpec spec = scenario.fleet();
        FleetConfig fleetConfig = FleetConfig.of(
                spec.count(),
                spec.thingNamePattern(),
                EventLoops.defaultThreads(),
                spec.connectRate(),
                DeviceConfig.simple(stackConfig.bindAddress(), stack.mqttPort(), spec.installTime()));
        Observer observer = new Observer();
        progress.accept("local stack: MQTT on " + stack.mqttEndpoint());
        try (Fleet fleet = new Fleet(fleetConfig, observer)) {
            stack.jobs().registerThings(fleet.thingNames()).get(30, TimeUnit.SECONDS);
            long connectStart = System.nanoTime();
            try {
                fleet.start().get(FLEET_READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // Devices that failed are visible in the counts; the run carries on with the ready ones.
            }
            Duration readyTime = Duration.ofNanos(System.nanoTime() - connectStart);
            int ready = observer.ready.get();
            progress.accept(String.format(
                    "devices ready: %d/%d in %.1f s", ready, spec.count(), readyTime.toMillis() / 1000.0));

            String fleetGroup = null;
            for (Scenario.JobSpec job : scenario.jobs()) {
                List<String> targets = job.targets();
                if (targets.isEmpty()) {
                    // The whole fleet, through one static group: a job takes at most 100 targets.
                    if (fleetGroup == null) {
                        fleetGroup = stack.jobs()
                                .createGroup(
                                        "fleetsim-" + scenario.name().replaceAll("[^a-zA-Z0-9_-]", "-"),
                                        fleet.thingNames())
                                .get(60, TimeUnit.SECONDS);
                    }
                    targets = List.of(fleetGroup);
                }
                observer.createdAt.put(job.jobId(), System.nanoTime());
                observer.latencies.put(job.jobId(), new Recorder(3));
                stack.jobs()
                        .createJob(new CreateJobSpec(job.jobId(), targets, job.document(), job.description()))
                        .get(30, TimeUnit.SECONDS);
                progress.accept("job " + job.jobId() + " created for "
                        + (job.targets().isEmpty() ? fleet.thingNames().size() : targets.size()) + " things");
            }

            long deadline = System.nanoTime() + scenario.timeout().toNanos();
            List<JobView> views = describeAll(stack, scenario);
            while (views.stream().anyMatch(v -> v.status() == JobStatus.IN_PROGRESS) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
                views = describeAll(stack, scenario);
            }
            boolean timedOut = views.stream().anyMatch(v -> v.status() == JobStatus.IN_PROGRESS);
            // The service counts an execution SUCCEEDED before the device reads the accepted answer; let the
            // device-side reports catch up so every success has its latency sample.
            long graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (JobView view : views) {
                while (observer.succeeded(view.jobId()) < view.count(JobExecutionStatus.SUCCEEDED)
                        && System.nanoTime() < graceEnd) {
                    Thread.sleep(10);
                }
            }
            List<RunResult.JobResult> results = new ArrayList<>();
            for (JobView view : views) {
                results.add(new RunResult.JobResult(view, observer.summary(view.jobId())));
            }
            return new RunResult(
                    scenario,
                    stack.mqttEndpoint(),
                    ready,
                    readyTime,
                    results,
                    timedOut,
                    Duration.ofNanos(System.nanoTime() - runStart));
        }
    }

    private static List<JobView> describeAll(LocalStack stack, Scenario scenario)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<JobView> views = new ArrayList<>();
        for (Scenario.JobSpec job : scenario.jobs()) {
            views.add(stack.jobs()
                    .describeJob(job.jobId())
                    .get(30, TimeUnit.SECONDS)
                    .orElseThrow());
        }
        return views;
    }

    /** Device events → counters and latency recorders (HdrHistogram recorders take concurrent writers). */
    private static final class Observer implements DeviceListener {
        final AtomicInteger ready = new AtomicInteger();
        final Map<String, Long> createdAt = new ConcurrentHashMap<>();
        final Map<String, Recorder> latencies = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> succeeded = new ConcurrentHashMap<>();

        @Override
        public void ready(String thingName, long nanoTime) {
            ready.incrementAndGet();
        }

        @Override
        public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
            if (status != JobExecutionStatus.SUCCEEDED) {
                return;
            }
            Long created = createdAt.get(jobId);
            Recorder recorder = latencies.get(jobId);
            if (created != null && recorder != null) {
                recorder.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanoTime - created)));
                succeeded.computeIfAbsent(jobId, k -> new AtomicInteger()).incrementAndGet();
            }
        }

        int succeeded(String jobId) {
            AtomicInteger n = succeeded.get(jobId);
            return n == null ? 0 : n.get();
        }

        RunResult.LatencySummary summary(String jobId) {
            Recorder recorder = latencies.get(jobId);
            Histogram h = recorder == null ? new Histogram(3) : recorder.getIntervalHistogram();
            return new RunResult.LatencySummary(
                    h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0);
        }
    }
}

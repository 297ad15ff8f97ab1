package dev.fleetsim.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.jobs.Execution;
import dev.fleetsim.local.jobs.Registry;
import dev.fleetsim.scenario.AwsShapes;
import dev.fleetsim.scenario.LiveRun;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.scenario.Scenario;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * The live console's view of a standalone stack ({@code fleetsim local --ui}): no virtual devices run here, so the
 * grid is the stack's things as its Jobs service and broker see them (each thing's latest execution, and whether its
 * client id is connected), twice a second; the jobs are DescribeJob's; actions are CreateJob and CancelJob through the
 * AWS SDK against the stack's own control plane, and the clock's pause and speed. Device actions (offline, storm)
 * have no devices to act on and say so.
 */
public final class StackRun implements LiveRun, AutoCloseable {
    /** Jobs shown: the latest ones. */
    static final int SHOWN_JOBS = 20;

    private final LocalStack stack;
    private final IotClient iot;
    private final Scenario scenario;
    private final RunObserver observer;
    private final long realStart = System.nanoTime();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleetsim-console-stack");
        t.setDaemon(true);
        return t;
    });

    private volatile FleetView view = new FleetView(List.of());
    private volatile long connected;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    private StackRun(LocalStack stack) {
        this.stack = stack;
        this.iot = AwsClients.iot(
                URI.create(stack.controlPlaneEndpoint()),
                stack.config().arns().region(),
                AwsClients.credentials(stack.credentials()));
        Clock clock = stack.config().clock();
        this.scenario = new Scenario(
                null,
                "fleetsim local",
                0,
                clock instanceof VirtualClock v ? v.timeScale() : 1,
                null,
                null,
                Duration.ZERO,
                null,
                new Scenario.FleetSpec(
                        0,
                        "%d",
                        0,
                        1,
                        Duration.ZERO,
                        false,
                        MqttVersion.MQTT_5_0,
                        Duration.ofSeconds(60),
                        Scenario.Sessions.clean),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null);
        this.observer = new RunObserver(clock);
    }

    /** Starts following {@code stack}; close it before the stack. */
    public static StackRun start(LocalStack stack) {
        StackRun run = new StackRun(stack);
        run.worker.scheduleWithFixedDelay(run::refresh, 0, 500, TimeUnit.MILLISECONDS);
        return run;
    }

    FleetView view() {
        return view;
    }

    /** Things, their latest executions and connections, then the latest jobs: the worker's every half second. */
    private void refresh() {
        try {
            record EngineView(List<String> things, Map<String, String[]> latest, List<String> jobIds) {}
            EngineView engine = stack.jobs()
                    .onEngine(e -> {
                        List<String> things = new ArrayList<>();
                        for (Registry.Thing t : e.registry().things()) {
                            things.add(t.name());
                        }
                        Map<String, String[]> latest = new HashMap<>();
                        List<String> jobIds = new ArrayList<>();
                        for (var job : e.jobs()) {
                            jobIds.add(job.jobId());
                            for (Execution x : job.latestExecutions()) {
                                latest.put(
                                        x.thingName(),
                                        new String[] {job.jobId(), x.status().name()});
                            }
                        }
                        return new EngineView(things, latest, jobIds);
                    })
                    .get(5, TimeUnit.SECONDS);
            Set<String> online = stack.connectedClients().get(5, TimeUnit.SECONDS);
            FleetView v = view;
            if (!v.thingNames().equals(engine.things())) {
                v = new FleetView(engine.things());
            }
            for (int i = 0; i < v.size(); i++) {
                String thing = v.thingName(i);
                String[] last = engine.latest().get(thing);
                boolean up = online.contains(thing);
                FleetView.Cell cell = last == null
                        ? (up ? FleetView.Cell.IDLE : FleetView.Cell.NOT_CONNECTED)
                        : FleetView.Cell.of(JobExecutionStatus.valueOf(last[1]));
                v.set(i, cell, up, last == null ? null : last[0]);
            }
            view = v;
            connected = online.size();
            Map<String, Job> jobs = new LinkedHashMap<>();
            List<String> ids = engine.jobIds();
            for (String id : ids.subList(Math.max(0, ids.size() - SHOWN_JOBS), ids.size())) {
                try {
                    jobs.put(id, iot.describeJob(r -> r.jobId(id)).job());
                } catch (ResourceNotFoundException gone) {
                    // deleted between the two looks
                }
            }
            snapshot = new Snapshot(
                    stack.config().clock().instant(),
                    (System.nanoTime() - realStart) / 1e9,
                    jobs,
                    Map.of(),
                    Map.of(),
                    false);
        } catch (Exception e) {
            // the stack is stopping, or busy for a moment: the next look tries again
        }
    }

    @Override
    public Scenario scenario() {
        return scenario;
    }

    @Override
    public List<String> thingNames() {
        return view.thingNames();
    }

    @Override
    public long connected() {
        return connected;
    }

    @Override
    public long downloadedBytes() {
        return 0;
    }

    @Override
    public RunObserver observer() {
        return observer;
    }

    @Override
    public List<VirtualDevice> devices() {
        return List.of();
    }

    @Override
    public Clock clock() {
        return stack.config().clock();
    }

    @Override
    public String target() {
        return "fleetsim local: control plane " + stack.controlPlaneEndpoint()
                + (stack.mqttEndpoint() == null ? "" : ", MQTT " + stack.mqttEndpoint());
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public CompletableFuture<String> createJob(ObjectNode request) {
        return CompletableFuture.supplyAsync(
                () -> {
                    ObjectNode copy = request.deepCopy();
                    if (copy.has("artifact")) {
                        throw new IllegalArgumentException(
                                "artifact is a scenario key; give the document's url (or a placeholder) yourself");
                    }
                    JsonNode document = copy.get("document");
                    if (document != null && document.isObject()) {
                        copy.put("document", document.toString());
                    }
                    JsonNode targets = copy.get("targets");
                    if (targets == null || !targets.isArray() || targets.isEmpty()) {
                        throw new IllegalArgumentException("targets: give thing or group names, or ARNs");
                    }
                    ArrayNode arns = copy.putArray("targets");
                    for (JsonNode t : targets) {
                        arns.add(arn(t.asText()));
                    }
                    iot.createJob(AwsShapes.createJob(copy));
                    return copy.path("jobId").asText();
                },
                worker);
    }

    /** A name as this stack's ARN: a group when the stack has one by that name, else a thing; ARNs as given. */
    private String arn(String target) {
        if (target.startsWith("arn:")) {
            return target;
        }
        var arns = stack.config().arns();
        try {
            return iot.describeThingGroup(r -> r.thingGroupName(target)).thingGroupArn();
        } catch (ResourceNotFoundException notAGroup) {
            return arns.thing(target);
        }
    }

    @Override
    public CompletableFuture<Void> cancelJob(String jobId, boolean force) {
        return CompletableFuture.runAsync(
                () -> iot.cancelJob(r -> r.jobId(jobId).force(force).comment("canceled from the live console")),
                worker);
    }

    @Override
    public JobExecution describeExecution(String jobId, String thingName) {
        return LiveRun.describeExecution(iot, jobId, thingName);
    }

    @Override
    public void close() {
        worker.shutdownNow();
        iot.close();
    }
}

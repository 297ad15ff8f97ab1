package dev.fleetsim.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.device.DeviceState;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.scenario.LiveRun;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.Units;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.model.JobExecution;

/**
 * The presenter's actions and the device drill-down. Jobs go through the run (CreateJob, CancelJob with the AWS SDK,
 * as a user would script them); offline, back online and a disconnect storm act on the fleet's devices; pause, resume
 * and a new time scale act on the simulated clock. Errors come back as one sentence (the service's own message for an
 * AWS error).
 */
final class Actions {
    /** An offline cohort without a duration stays offline until brought back. */
    private static final Duration UNTIL_BACK = Duration.ofDays(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LiveRun run;
    private final Supplier<FleetView> views;
    private final ExecutorService calls;
    private final AtomicLong storms = new AtomicLong();

    Actions(LiveRun run, Supplier<FleetView> views, ExecutorService calls) {
        this.run = run;
        this.views = views;
        this.calls = calls;
    }

    /** POST {@code /api}{@code path}: completes with the answer's JSON, or fails with a message for the presenter. */
    CompletableFuture<ObjectNode> post(String path, ObjectNode body) {
        try {
            String[] parts = path.substring(1).split("/");
            if (path.equals("/jobs")) {
                return run.createJob(body).thenApply(id -> ok().put("jobId", id));
            }
            if (parts.length == 3 && parts[0].equals("jobs") && parts[2].equals("cancel")) {
                return run.cancelJob(parts[1], body.path("force").asBoolean(false))
                        .thenApply(v -> ok().put("jobId", parts[1]));
            }
            if (parts.length == 3 && parts[0].equals("cohorts")) {
                Scenario.CohortSpec cohort = cohort(parts[1]);
                return CompletableFuture.completedFuture(
                        switch (parts[2]) {
                            case "offline" -> ok().put("devices", offline(cohort, body));
                            case "online" -> ok().put("devices", online(cohort));
                            default -> throw new IllegalArgumentException("no action " + parts[2] + " on a cohort");
                        });
            }
            if (path.equals("/storm")) {
                return CompletableFuture.completedFuture(ok().put("devices", storm(body)));
            }
            if (path.equals("/clock")) {
                return CompletableFuture.completedFuture(clock(body));
            }
            throw new IllegalArgumentException("no action " + path);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Scenario.CohortSpec cohort(String name) {
        return run.scenario().cohorts().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no cohort '" + name + "' in this scenario"));
    }

    private List<VirtualDevice> devices() {
        List<VirtualDevice> devices = run.devices();
        if (devices.isEmpty()) {
            throw new IllegalArgumentException(
                    run.scenario().fleet().count() == 0
                            ? "no virtual devices run in this process (a standalone stack)"
                            : "the fleet is not connected yet");
        }
        return devices;
    }

    private int offline(Scenario.CohortSpec cohort, ObjectNode body) {
        Duration real = body.hasNonNull("for")
                ? run.scenario().real(Units.parseDuration(body.get("for").asText()))
                : UNTIL_BACK;
        return Fleet.inRange(devices(), cohort.from(), cohort.to(), d -> d.goOffline(real));
    }

    private int online(Scenario.CohortSpec cohort) {
        return Fleet.inRange(devices(), cohort.from(), cohort.to(), VirtualDevice::comeBackOnline);
    }

    /** A share of the whole fleet drops its connection for a while (seeded: the same storm for the same seed). */
    private int storm(ObjectNode body) {
        double share;
        try {
            share = Units.fraction(body.path("share").asText("10%"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("share: " + e.getMessage());
        }
        Duration real = run.scenario().real(Units.parseDuration(body.path("for").asText("30s")));
        return Fleet.disconnectStorm(devices(), share, real, run.scenario().seed() ^ storms.incrementAndGet());
    }

    private ObjectNode clock(ObjectNode body) {
        if (!(run.clock() instanceof VirtualClock clock)) {
            throw new IllegalArgumentException(
                    "this run's clock is real time (IoT Core): it cannot pause or change" + " speed");
        }
        if (body.has("timeScale")) {
            double scale = body.get("timeScale").asDouble(-1);
            if (!(scale > 0) || scale > 100_000) {
                throw new IllegalArgumentException("a time scale is a number above 0, up to 100000");
            }
            clock.setTimeScale(scale);
        }
        if (body.has("paused")) {
            if (body.get("paused").asBoolean()) {
                clock.pause();
            } else {
                clock.resume();
            }
        }
        return ok().put("timeScale", clock.timeScale()).put("paused", clock.isPaused());
    }

    /** The scenario's jobs as CreateJob JSON (document as an object, fleetsim's artifact and targets), to start from. */
    ArrayNode templates() {
        ArrayNode out = JSON.createArrayNode();
        for (Scenario.JobSpec job : run.scenario().jobs()) {
            ObjectNode t = job.request().deepCopy();
            t.put("jobId", job.jobId());
            if (t.has("document")) {
                try {
                    t.set("document", JSON.readTree(t.get("document").asText()));
                } catch (IOException e) {
                    // keep it as the text it is
                }
            }
            if (job.artifact() != null) {
                t.put("artifact", job.artifact());
            }
            if (!job.targets().isEmpty()) {
                ArrayNode targets = t.putArray("targets");
                job.targets().forEach(targets::add);
            } else {
                t.remove("targets");
            }
            out.add(t);
        }
        return out;
    }

    /** GET {@code /api/devices/N}: the device's state on its loop, then its execution from the service. */
    CompletableFuture<ObjectNode> device(String which) {
        FleetView view = views.get();
        int i;
        try {
            i = Integer.parseInt(which);
        } catch (NumberFormatException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a device is its index"));
        }
        if (i < 0 || i >= view.size()) {
            return CompletableFuture.completedFuture(null);
        }
        ObjectNode d = JSON.createObjectNode();
        d.put("index", i);
        String thing = view.thingName(i);
        d.put("thingName", thing);
        run.scenario().cohorts().stream()
                .filter(c -> i >= c.from() && i < c.to())
                .findFirst()
                .ifPresent(c -> d.put("cohort", c.name()));
        int cell = view.cell(i);
        d.put("cell", FleetView.Cell.values()[cell & ~FleetView.OFFLINE].name());
        d.put("online", (cell & FleetView.OFFLINE) == 0);
        String jobId = view.jobId(i);
        if (view.step(i) != null) {
            d.put("step", view.step(i));
        }
        List<VirtualDevice> devices = run.devices();
        CompletableFuture<ObjectNode> local;
        if (i < devices.size()) {
            VirtualDevice device = devices.get(i);
            CompletableFuture<ObjectNode> onLoop = new CompletableFuture<>();
            device.loop().execute(() -> {
                d.put("agentState", device.state().name());
                DeviceState.Snapshot disk = device.disk().snapshot();
                d.put("firmware", disk.firmwareVersion());
                d.set("packages", JSON.valueToTree(disk.packages()));
                d.set("files", JSON.valueToTree(disk.files()));
                d.put("certificate", disk.certificate());
                d.put("jobsDone", disk.jobsDone());
                ArrayNode messages = d.putArray("messages");
                long now = System.nanoTime();
                for (FleetView.Message m : view.messages(i)) {
                    messages.addObject()
                            .put("secondsAgo", Math.round((now - m.nanoTime()) / 1e7) / 100.0)
                            .put("direction", m.sent() ? "sent" : "received")
                            .put("topic", m.topic())
                            .put("payload", m.payload());
                }
                onLoop.complete(d);
            });
            local = onLoop;
        } else {
            local = CompletableFuture.completedFuture(d);
        }
        if (jobId == null) {
            return local;
        }
        return local.thenApplyAsync(
                node -> {
                    JobExecution e = run.describeExecution(jobId, thing);
                    if (e != null) {
                        ObjectNode x = node.putObject("execution");
                        x.put("jobId", e.jobId());
                        x.put("status", e.statusAsString());
                        x.put("executionNumber", e.executionNumber());
                        x.put("versionNumber", e.versionNumber());
                        if (e.statusDetails() != null && e.statusDetails().detailsMap() != null) {
                            x.set(
                                    "statusDetails",
                                    JobsJson.mapper()
                                            .valueToTree(e.statusDetails().detailsMap()));
                        }
                        x.put("queuedAt", String.valueOf(e.queuedAt()));
                        x.put("startedAt", String.valueOf(e.startedAt()));
                        x.put("lastUpdatedAt", String.valueOf(e.lastUpdatedAt()));
                    }
                    return node;
                },
                calls);
    }

    private static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    /** One sentence for the presenter: the service's message for an AWS error, else the cause's. */
    static String message(Throwable cause) {
        if (cause instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            return aws.awsErrorDetails().errorCode() + ": "
                    + aws.awsErrorDetails().errorMessage();
        }
        if (cause instanceof SdkException sdk) {
            return sdk.getMessage();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}

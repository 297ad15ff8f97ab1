package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.metrics.Phase;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * A run as it happens, for a watcher that shows it and acts on it (the live console): what the run knows, published
 * by the run's own thread, and the operator's actions, which go through the same AWS SDK calls a user would script and
 * which the run tracks like its own (a job created here is in the report).
 */
public interface LiveRun {
    /** Who watches a run: given the run once it starts, returns a listener for its devices' events (or NONE). */
    interface Watcher {
        DeviceListener watch(LiveRun run);

        /** The run is over (its report written, or failed): actions are refused from now on. */
        default void finished() {}
    }

    /** What the run's thread last published (every 250 ms): immutable. */
    record Snapshot(
            Instant simulatedNow,
            double realSeconds,
            Map<String, Job> jobs,
            Map<String, Rollout> rollout,
            Map<Phase, Latency> latency,
            boolean ended) {
        public static final Snapshot EMPTY = new Snapshot(Instant.EPOCH, 0, Map.of(), Map.of(), Map.of(), false);
    }

    /** Executions first notified in the last simulated minute, against what AWS's rollout formula allows now. */
    record Rollout(long notified, int allowed) {}

    /** Percentiles of a phase in milliseconds (simulated, as the report gives them; connect in real time). */
    record Latency(long count, double p50, double p90, double p99, double max) {}

    Scenario scenario();

    /** The things the grid shows, in order (a run: its fleet's; a standalone stack: its registry's, which grows). */
    default List<String> thingNames() {
        Scenario.FleetSpec fleet = scenario().fleet();
        List<String> names = new ArrayList<>(fleet.count());
        for (int i = 0; i < fleet.count(); i++) {
            names.add(fleet.thingName(i));
        }
        return names;
    }

    /** Devices connected now, or -1 when not known. */
    default long connected() {
        return observer().counts().connected();
    }

    /** Artifact bytes the devices downloaded and verified so far. */
    default long downloadedBytes() {
        return observer().counts().downloadedBytes();
    }

    RunObserver observer();

    /** The fleet's devices, by index; empty until the fleet exists. */
    List<VirtualDevice> devices();

    Clock clock();

    /** The target, as the run's banner describes it. */
    String target();

    Snapshot snapshot();

    /**
     * CreateJob from its AWS JSON (checked against the SDK's model), plus fleetsim's {@code artifact} key; targets as
     * names or ARNs, none for the whole fleet. Completes with the job id, or with the service's error.
     */
    CompletableFuture<String> createJob(ObjectNode request);

    CompletableFuture<Void> cancelJob(String jobId, boolean force);

    /** DescribeJobExecution through the SDK (blocks: never call it on an event loop); null when there is none. */
    JobExecution describeExecution(String jobId, String thingName);

    /** DescribeJobExecution with {@code iot}, or null when the service has no such execution. */
    static JobExecution describeExecution(IotClient iot, String jobId, String thingName) {
        try {
            return iot.describeJobExecution(r -> r.jobId(jobId).thingName(thingName))
                    .execution();
        } catch (ResourceNotFoundException gone) {
            return null;
        }
    }
}

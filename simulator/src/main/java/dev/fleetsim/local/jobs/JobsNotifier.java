package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobExecutionSummary;
import dev.fleetsim.jobs.JobExecutionsChangedEvent;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.NextJobExecutionChangedEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * What the engine's changes publish (spec §3.7): {@code notify} when a thing's set of pending executions changes,
 * {@code notify-next} when its head changes, and the lifecycle events of §2.10 when enabled. Messages wait in an
 * outbox until {@link #flush()}, which the caller runs after answering the request that caused them, so a device
 * sees its answer before the notifications. Engine thread only.
 */
final class JobsNotifier {
    private final JobsOutbound outbound;
    private final Events events;
    private final Arns arns;
    private final Clock clock;
    private final List<Runnable> outbox = new ArrayList<>();

    JobsNotifier(JobsOutbound outbound, Events events, Arns arns, Clock clock) {
        this.outbound = outbound;
        this.events = events;
        this.arns = arns;
        this.clock = clock;
    }

    /** A thing's pending set and head before a change. */
    JobsEngine.Snapshot snapshot(ThingJobs thing) {
        return new JobsEngine.Snapshot(thing, new HashSet<>(thing.pending()), thing.head());
    }

    /**
     * {@code notify} when the set of pending executions changed (never on QUEUED → IN_PROGRESS of the same
     * execution); {@code notify-next} when the identity of the head changed, only a timestamp when none is left.
     *
     * @param delivered the head as a device receives it (with its document presigned afresh)
     */
    void changes(JobsEngine.Snapshot before, Function<Execution, JobExecution> delivered) {
        ThingJobs thing = before.thing();
        boolean setChanged = !before.pending().equals(new HashSet<>(thing.pending()));
        Execution head = thing.head();
        boolean headChanged = head != before.head();
        if (!setChanged && !headChanged) {
            return;
        }
        Instant now = clock.instant();
        long timestamp = now.getEpochSecond();
        if (setChanged) {
            Map<JobExecutionStatus, List<JobExecutionSummary>> lists = new LinkedHashMap<>();
            List<Execution> pending = thing.pending();
            for (int i = 0; i < Math.min(MaintenanceWindows.listLimit(pending, now), pending.size()); i++) {
                Execution e = pending.get(i);
                lists.computeIfAbsent(e.status, s -> new ArrayList<>()).add(e.summary());
            }
            byte[] payload = JobsJson.write(new JobExecutionsChangedEvent(lists, timestamp));
            String topic = JobsTopic.notifyTopic(thing.thingName).toString();
            outbox.add(() -> outbound.publish(topic, payload));
        }
        if (headChanged) {
            byte[] payload = JobsJson.write(
                    new NextJobExecutionChangedEvent(head == null ? null : delivered.apply(head), timestamp));
            String topic = JobsTopic.notifyNext(thing.thingName).toString();
            outbox.add(() -> outbound.publish(topic, payload));
        }
    }

    /** {@code $aws/events/job/{jobId}/{event}} when job events are on. */
    void jobEvent(Job job, String event, String status) {
        if (!events.job) {
            return;
        }
        ObjectNode payload = JobsJson.mapper().createObjectNode();
        Instant now = clock.instant();
        payload.put("eventType", "JOB");
        payload.put("eventId", UUID.randomUUID().toString());
        payload.put("timestamp", now.getEpochSecond());
        payload.put("operation", event.equals("completed") ? "COMPLETED" : event.toUpperCase(Locale.ROOT));
        payload.put("jobId", job.jobId);
        payload.put("status", status);
        payload.put("targetSelection", job.targetSelection);
        payload.set("targets", JobsJson.mapper().valueToTree(job.targets));
        if (job.description != null) {
            payload.put("description", job.description);
        }
        payload.put("createdAt", job.createdAt.toEpochMilli());
        payload.put("lastUpdatedAt", job.lastUpdatedAt.toEpochMilli());
        if (job.completedAt != null && event.equals("completed")) {
            payload.put("completedAt", job.completedAt.toEpochMilli());
            // The completed event carries the terminal counters only (§2.10).
            job.writeCounters(
                    payload.putObject("jobProcessDetails"),
                    JobExecutionStatus.CANCELED,
                    JobExecutionStatus.REJECTED,
                    JobExecutionStatus.FAILED,
                    JobExecutionStatus.REMOVED,
                    JobExecutionStatus.SUCCEEDED,
                    JobExecutionStatus.TIMED_OUT);
        }
        if (job.comment != null && !event.equals("completed")) {
            payload.put("comment", job.comment);
        }
        byte[] bytes = JobsJson.write(payload);
        String topic = JobsTopic.jobEvent(job.jobId, event);
        outbox.add(() -> outbound.publish(topic, bytes));
    }

    /** {@code $aws/events/jobExecution/{jobId}/{event}} when job-execution events are on. */
    void executionEvent(Execution e, String event, String status) {
        if (!events.jobExecution) {
            return;
        }
        ObjectNode payload = JobsJson.mapper().createObjectNode();
        payload.put("eventType", "JOB_EXECUTION");
        payload.put("eventId", UUID.randomUUID().toString());
        payload.put("timestamp", clock.instant().getEpochSecond());
        payload.put("operation", status);
        payload.put("jobId", e.jobId());
        payload.put("thingArn", arns.thing(e.thingName));
        payload.put("status", status);
        if (!e.statusDetails.isEmpty()) {
            payload.set("statusDetails", JobsJson.mapper().valueToTree(e.statusDetails));
        }
        byte[] bytes = JobsJson.write(payload);
        String topic = JobsTopic.jobExecutionEvent(e.jobId(), event);
        outbox.add(() -> outbound.publish(topic, bytes));
    }

    /** Sends what the changes since the last flush queued, in order. */
    void flush() {
        if (outbox.isEmpty()) {
            return;
        }
        List<Runnable> batch = new ArrayList<>(outbox);
        outbox.clear();
        for (Runnable r : batch) {
            r.run();
        }
    }
}

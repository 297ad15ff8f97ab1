package dev.fleetsim.local.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the engine changed since the last commit: the records to write to the journal before the answers go out. Each
 * entry is a whole record (a thing, a job, an execution…) keyed by kind and id; a later change of the same record in
 * the same commit replaces the earlier one, and a delete replaces both. Engine thread only; off when the stack is
 * ephemeral.
 */
final class StateChanges {
    /** The kinds of record the journal holds. */
    enum Kind {
        THING,
        GROUP,
        CERTIFICATE,
        CA_CERTIFICATE,
        POLICY,
        /** A resource's tags, by its ARN. */
        TAGS,
        TEMPLATE,
        EVENTS,
        JOB,
        /** A job's rollout target list as resolved at creation (written once; large). */
        TARGETS,
        EXECUTION
    }

    record Key(Kind kind, String id) {}

    /** The value of a deleted record. */
    static final Object DELETED = new Object();

    private boolean enabled;
    private LinkedHashMap<Key, Object> dirty = new LinkedHashMap<>();

    void enable() {
        enabled = true;
    }

    boolean enabled() {
        return enabled;
    }

    void put(Kind kind, String id, Object record) {
        if (enabled) {
            dirty.put(new Key(kind, id), record);
        }
    }

    void delete(Kind kind, String id) {
        if (enabled) {
            dirty.put(new Key(kind, id), DELETED);
        }
    }

    void thing(Registry.Thing thing) {
        put(Kind.THING, thing.name, thing);
    }

    void job(Job job) {
        put(Kind.JOB, job.jobId, job);
    }

    void execution(Execution e) {
        put(Kind.EXECUTION, executionId(e.job.jobId, e.thingName, e.executionNumber), e);
    }

    static String executionId(String jobId, String thingName, long executionNumber) {
        return jobId + '/' + thingName + '/' + executionNumber;
    }

    boolean isEmpty() {
        return dirty.isEmpty();
    }

    /** The changes so far, in the order first made; the set starts empty again. */
    Map<Key, Object> drain() {
        Map<Key, Object> out = dirty;
        dirty = new LinkedHashMap<>();
        return out;
    }
}

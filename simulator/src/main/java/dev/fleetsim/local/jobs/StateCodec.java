package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.JobConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's records: each kind of state as one JSON object, written whole. Membership (a group's things, a
 * certificate's things), a job's counters and a thing's pending queue are not written: they are derived again from
 * the things and executions at recovery. Instants are ISO-8601 text, exact to the nanosecond.
 */
final class StateCodec {
    private static final ObjectMapper JSON = JobsJson.mapper();

    private StateCodec() {}

    // ------------------------------------------------------------------ encoding

    /** The journal line of a changed (or deleted: {@link StateChanges#DELETED}) piece of state. */
    static String line(StateChanges.Key key, Object value) {
        if (value == StateChanges.DELETED) {
            return Journal.line(key, null);
        }
        if (value instanceof Execution e) {
            return Journal.line(key, executionJson(e)); // the hot path: one per device update
        }
        return Journal.line(key, encode(key, value).toString());
    }

    /** An execution's record streamed straight to text (the same fields as {@link #execution(Execution)}). */
    private static String executionJson(Execution e) {
        StringWriter text = new StringWriter(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("job", e.job.jobId);
            g.writeStringField("thing", e.thingName);
            g.writeNumberField("n", e.executionNumber);
            g.writeNumberField("retryAttempt", e.retryAttempt);
            g.writeNumberField("sequence", e.sequence);
            g.writeStringField("status", e.status.name());
            g.writeObjectFieldStart("statusDetails");
            for (Map.Entry<String, String> d : e.statusDetails.entrySet()) {
                g.writeStringField(d.getKey(), d.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("version", e.versionNumber);
            writeNanos(g, "queuedAt", e.queuedAt);
            writeNanos(g, "startedAt", e.startedAt);
            writeNanos(g, "lastUpdatedAt", e.lastUpdatedAt);
            g.writeBooleanField("forceCanceled", e.forceCanceled);
            writeNanos(g, "inProgressDeadline", e.inProgressDeadline);
            writeNanos(g, "stepDeadline", e.stepDeadline);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return text.toString();
    }

    private static void writeNanos(JsonGenerator g, String field, Instant instant) throws IOException {
        Long nanos = text(instant);
        if (nanos == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, nanos);
        }
    }

    /** A piece of state as its JSON record. */
    static JsonNode encode(StateChanges.Key key, Object value) {
        return switch (key.kind()) {
            case THING -> thing((Registry.Thing) value);
            case GROUP -> group((Registry.Group) value);
            case CERTIFICATE, CA_CERTIFICATE -> certificate((Registry.Certificate) value);
            case TAGS -> JSON.valueToTree(value);
            case POLICY -> policy((Policies.Policy) value);
            case TEMPLATE -> template((JobTemplates.Template) value);
            case EVENTS -> events((Events) value);
            case JOB -> job((Job) value);
            case TARGETS -> targets(value);
            case EXECUTION -> execution((Execution) value);
        };
    }

    private static ObjectNode thing(Registry.Thing t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", t.name)
                .put("arn", t.arn)
                .put("id", t.id)
                .put("type", t.thingTypeName)
                .put("version", t.version);
        o.set("attributes", JSON.valueToTree(t.attributes));
        o.set("groups", JSON.valueToTree(t.groups));
        o.set("principals", JSON.valueToTree(t.principals));
        return o;
    }

    private static ObjectNode group(Registry.Group g) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", g.name).put("arn", g.arn).put("id", g.id).put("parent", g.parent);
        o.put("description", g.description).put("version", g.version).put("createdAt", text(g.createdAt));
        o.set("attributes", JSON.valueToTree(g.attributes));
        return o;
    }

    private static ObjectNode certificate(Registry.Certificate c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", c.id).put("arn", c.arn).put("pem", c.pem).put("status", c.status);
        o.put("createdAt", text(c.createdAt));
        o.put("ca", c.caCertificateId).put("mode", c.mode);
        return o;
    }

    private static Registry.Certificate certificate(JsonNode c) {
        return new Registry.Certificate(
                c.path("id").asText(),
                c.path("arn").asText(),
                c.path("pem").asText(),
                c.path("status").asText(),
                instant(c.get("createdAt")),
                textOrNull(c.get("ca")),
                c.path("mode").asText("DEFAULT"));
    }

    private static ObjectNode policy(Policies.Policy p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", p.name).put("arn", p.arn).put("createdAt", text(p.createdAt));
        o.put("lastModifiedAt", text(p.lastModifiedAt)).put("defaultVersion", p.defaultVersion);
        o.put("nextVersion", p.nextVersion);
        ArrayNode versions = o.putArray("versions");
        for (Policies.Version v : p.versions.values()) {
            versions.addObject().put("id", v.id()).put("document", v.document()).put("createdAt", text(v.createdAt()));
        }
        o.set("targets", JSON.valueToTree(p.targets));
        return o;
    }

    private static ObjectNode template(JobTemplates.Template t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("jobTemplateId", t.jobTemplateId()).put("jobTemplateArn", t.jobTemplateArn());
        o.put("description", t.description()).put("document", t.document());
        o.put("documentSource", t.documentSource()).put("createdAt", text(t.createdAt()));
        o.set("presignedUrl", JSON.valueToTree(t.presignedUrl()));
        o.set("rollout", JSON.valueToTree(t.rollout()));
        o.set("abort", JSON.valueToTree(t.abort()));
        o.set("timeout", JSON.valueToTree(t.timeout()));
        o.set("retry", JSON.valueToTree(t.retry()));
        o.set("maintenanceWindows", JSON.valueToTree(t.maintenanceWindows()));
        return o;
    }

    private static ObjectNode events(Events e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("job", e.job).put("jobExecution", e.jobExecution).put("updatedAt", text(e.updatedAt));
        return o;
    }

    private static ObjectNode job(Job j) {
        ObjectNode o = JSON.createObjectNode();
        o.put("jobId", j.jobId).put("jobArn", j.jobArn).put("targetSelection", j.targetSelection);
        o.set("targets", JSON.valueToTree(j.targets));
        o.put("documentText", j.documentText).put("documentSource", j.documentSource);
        o.put("jobTemplateArn", j.jobTemplateArn);
        o.set("documentParameters", JSON.valueToTree(j.documentParameters));
        o.set("scheduling", JSON.valueToTree(j.scheduling));
        o.put("createdAt", text(j.createdAt))
                .put("startTime", text(j.startTime))
                .put("endTime", text(j.endTime));
        o.put("description", j.description);
        o.set("presignedUrl", JSON.valueToTree(j.presignedUrl));
        o.set("rollout", JSON.valueToTree(j.rollout));
        o.set("abort", JSON.valueToTree(j.abort));
        o.set("timeout", JSON.valueToTree(j.timeout));
        o.set("retry", JSON.valueToTree(j.retry));
        o.put("status", j.status.name()).put("forceCanceled", j.forceCanceled);
        o.put("reasonCode", j.reasonCode).put("comment", j.comment);
        o.put("lastUpdatedAt", text(j.lastUpdatedAt))
                .put("completedAt", text(j.completedAt))
                .put("ended", j.ended);
        o.put("notified", j.notified).put("rolloutStart", text(j.rolloutStart)).put("window", j.window);
        o.put("notifiedInWindow", j.notifiedInWindow)
                .put("windowRate", j.windowRate)
                .put("polled", j.polled);
        o.set("notifiedPerMinute", JSON.valueToTree(j.notifiedPerMinute));
        return o;
    }

    private static JsonNode targets(Object value) {
        return JSON.valueToTree(value);
    }

    private static ObjectNode execution(Execution e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("job", e.job.jobId).put("thing", e.thingName).put("n", e.executionNumber);
        o.put("retryAttempt", e.retryAttempt).put("sequence", e.sequence).put("status", e.status.name());
        o.set("statusDetails", JSON.valueToTree(e.statusDetails));
        o.put("version", e.versionNumber).put("queuedAt", text(e.queuedAt)).put("startedAt", text(e.startedAt));
        o.put("lastUpdatedAt", text(e.lastUpdatedAt)).put("forceCanceled", e.forceCanceled);
        o.put("inProgressDeadline", text(e.inProgressDeadline)).put("stepDeadline", text(e.stepDeadline));
        return o;
    }

    /** Every piece of the engine's state as journal lines (a snapshot), in an order recovery can apply them in. */
    static List<String> all(JobsEngine engine) {
        List<String> out = new ArrayList<>();
        out.add(line(new StateChanges.Key(StateChanges.Kind.EVENTS, "events"), engine.events));
        engine.templates.forEach((id, t) -> out.add(line(key(StateChanges.Kind.TEMPLATE, id), t)));
        for (Registry.Group g : engine.registry.groups()) {
            out.add(line(key(StateChanges.Kind.GROUP, g.name), g));
        }
        for (Registry.Thing t : engine.registry.things()) {
            out.add(line(key(StateChanges.Kind.THING, t.name), t));
        }
        for (Registry.Certificate c : engine.registry.caCertificates()) {
            out.add(line(key(StateChanges.Kind.CA_CERTIFICATE, c.id), c));
        }
        for (Registry.Certificate c : engine.registry.certificates()) {
            out.add(line(key(StateChanges.Kind.CERTIFICATE, c.id), c));
        }
        for (Policies.Policy p : engine.registry.policies.all()) {
            out.add(line(key(StateChanges.Kind.POLICY, p.name), p));
        }
        engine.tags.all().forEach((arn, tags) -> out.add(line(key(StateChanges.Kind.TAGS, arn), tags)));
        for (Job job : engine.jobs.values()) {
            out.add(line(key(StateChanges.Kind.JOB, job.jobId), job));
            out.add(line(key(StateChanges.Kind.TARGETS, job.jobId), engine.rolloutTargets(job)));
            for (List<Execution> list : job.executions.values()) {
                for (Execution e : list) {
                    out.add(line(
                            key(
                                    StateChanges.Kind.EXECUTION,
                                    StateChanges.executionId(job.jobId, e.thingName, e.executionNumber)),
                            e));
                }
            }
        }
        return out;
    }

    private static StateChanges.Key key(StateChanges.Kind kind, String id) {
        return new StateChanges.Key(kind, id);
    }

    // ------------------------------------------------------------------ decoding

    /**
     * Applies the latest record of each piece of state (later records replace earlier ones; deletes remove) to an
     * engine that has none yet, then derives what is not written: memberships, counters, queues, timers, rollouts.
     */
    static void restore(JobsEngine engine, Map<StateChanges.Key, String> latest, long sequence) {
        Map<StateChanges.Kind, List<JsonNode>> byKind = new LinkedHashMap<>();
        for (StateChanges.Kind kind : StateChanges.Kind.values()) {
            byKind.put(kind, new ArrayList<>());
        }
        Map<String, JsonNode> targets = new LinkedHashMap<>();
        latest.forEach((key, text) -> {
            JsonNode value = JobsJson.readTree(text);
            if (key.kind() == StateChanges.Kind.TARGETS) {
                targets.put(key.id(), value);
            } else if (key.kind() == StateChanges.Kind.TAGS) {
                engine.tags.restore(key.id(), stringMap(value));
            } else {
                byKind.get(key.kind()).add(value);
            }
        });
        for (JsonNode e : byKind.get(StateChanges.Kind.EVENTS)) {
            engine.events.job = e.path("job").asBoolean();
            engine.events.jobExecution = e.path("jobExecution").asBoolean();
            engine.events.updatedAt = instant(e.get("updatedAt"));
        }
        for (JsonNode t : byKind.get(StateChanges.Kind.TEMPLATE)) {
            JobTemplates.Template template = new JobTemplates.Template(
                    t.path("jobTemplateId").asText(),
                    t.path("jobTemplateArn").asText(),
                    textOrNull(t.get("description")),
                    textOrNull(t.get("document")),
                    textOrNull(t.get("documentSource")),
                    value(t.get("presignedUrl"), JobConfig.PresignedUrl.class),
                    value(t.get("rollout"), JobConfig.Rollout.class),
                    value(t.get("abort"), JobConfig.Abort.class),
                    value(t.get("timeout"), JobConfig.Timeout.class),
                    value(t.get("retry"), JobConfig.Retry.class),
                    windows(t.get("maintenanceWindows")),
                    instant(t.get("createdAt")));
            engine.templates.put(template.jobTemplateId(), template);
        }
        for (JsonNode g : byKind.get(StateChanges.Kind.GROUP)) {
            Registry.Group group = new Registry.Group(
                    g.path("name").asText(),
                    g.path("arn").asText(),
                    g.path("id").asText(),
                    textOrNull(g.get("parent")),
                    textOrNull(g.get("description")),
                    stringMap(g.get("attributes")),
                    instant(g.get("createdAt")));
            group.version = g.path("version").asLong(1);
            engine.registry.restoreGroup(group);
        }
        for (JsonNode t : byKind.get(StateChanges.Kind.THING)) {
            Registry.Thing thing = new Registry.Thing(
                    t.path("name").asText(),
                    t.path("arn").asText(),
                    t.path("id").asText());
            thing.thingTypeName = textOrNull(t.get("type"));
            thing.attributes.putAll(stringMap(t.get("attributes")));
            thing.version = t.path("version").asLong(1);
            t.path("groups").forEach(n -> thing.groups.add(n.asText()));
            t.path("principals").forEach(n -> thing.principals.add(n.asText()));
            engine.registry.restoreThing(thing);
        }
        for (JsonNode c : byKind.get(StateChanges.Kind.CA_CERTIFICATE)) {
            engine.registry.restoreCaCertificate(certificate(c));
        }
        for (JsonNode c : byKind.get(StateChanges.Kind.CERTIFICATE)) {
            engine.registry.restoreCertificate(certificate(c));
        }
        for (JsonNode p : byKind.get(StateChanges.Kind.POLICY)) {
            Policies.Policy policy =
                    new Policies.Policy(p.path("name").asText(), p.path("arn").asText(), instant(p.get("createdAt")));
            policy.lastModifiedAt = instant(p.get("lastModifiedAt"));
            policy.defaultVersion = p.path("defaultVersion").asInt();
            policy.nextVersion = p.path("nextVersion").asInt();
            p.path("versions")
                    .forEach(v -> policy.versions.put(
                            v.path("id").asInt(),
                            new Policies.Version(
                                    v.path("id").asInt(), v.path("document").asText(), instant(v.get("createdAt")))));
            p.path("targets").forEach(t -> policy.targets.add(t.asText()));
            engine.registry.policies.restore(policy);
        }
        engine.registry.rebuildMemberships();
        Map<String, Job> jobs = new LinkedHashMap<>();
        for (JsonNode j : byKind.get(StateChanges.Kind.JOB)) {
            Job job = job(j, engine.changes);
            jobs.put(job.jobId, job);
        }
        List<JsonNode> executions = new ArrayList<>(byKind.get(StateChanges.Kind.EXECUTION));
        executions.sort((a, b) ->
                Long.compare(a.path("sequence").asLong(), b.path("sequence").asLong()));
        List<Execution> restored = new ArrayList<>();
        for (JsonNode x : executions) {
            Job job = jobs.get(x.path("job").asText());
            if (job == null) {
                continue; // its job was deleted after it was written
            }
            Execution e = new Execution(
                    job,
                    x.path("thing").asText(),
                    x.path("n").asLong(),
                    x.path("retryAttempt").asInt(),
                    x.path("sequence").asLong(),
                    instant(x.get("queuedAt")));
            e.status = JobExecutionStatus.valueOf(x.path("status").asText());
            e.statusDetails = stringMap(x.get("statusDetails"));
            e.versionNumber = x.path("version").asInt();
            e.startedAt = instant(x.get("startedAt"));
            e.lastUpdatedAt = instant(x.get("lastUpdatedAt"));
            e.forceCanceled = x.path("forceCanceled").asBoolean();
            e.inProgressDeadline = instant(x.get("inProgressDeadline"));
            e.stepDeadline = instant(x.get("stepDeadline"));
            restored.add(e);
        }
        engine.restore(jobs, targets, restored, sequence);
    }

    private static Job job(JsonNode j, StateChanges changes) {
        String documentText = textOrNull(j.get("documentText"));
        Job job = new Job(
                j.path("jobId").asText(),
                j.path("jobArn").asText(),
                j.path("targetSelection").asText(),
                strings(j.get("targets")),
                documentText,
                documentText == null ? null : JobsJson.readTree(documentText),
                textOrNull(j.get("documentSource")),
                textOrNull(j.get("jobTemplateArn")),
                j.get("documentParameters") == null
                                || j.get("documentParameters").isNull()
                        ? null
                        : stringMap(j.get("documentParameters")),
                value(j.get("scheduling"), JobConfig.Scheduling.class),
                instant(j.get("startTime")),
                instant(j.get("endTime")),
                instant(j.get("createdAt")),
                changes);
        job.description = textOrNull(j.get("description"));
        job.presignedUrl = value(j.get("presignedUrl"), JobConfig.PresignedUrl.class);
        job.rollout = value(j.get("rollout"), JobConfig.Rollout.class);
        job.abort = value(j.get("abort"), JobConfig.Abort.class);
        job.timeout = value(j.get("timeout"), JobConfig.Timeout.class);
        job.retry = value(j.get("retry"), JobConfig.Retry.class);
        job.status = JobStatus.valueOf(j.path("status").asText());
        job.forceCanceled = j.path("forceCanceled").asBoolean();
        job.reasonCode = textOrNull(j.get("reasonCode"));
        job.comment = textOrNull(j.get("comment"));
        job.lastUpdatedAt = instant(j.get("lastUpdatedAt"));
        job.completedAt = instant(j.get("completedAt"));
        job.ended = j.path("ended").asBoolean();
        job.notified = j.path("notified").asLong();
        job.rolloutStart = instant(j.get("rolloutStart"));
        job.window = j.path("window").asLong(-1);
        job.notifiedInWindow = j.path("notifiedInWindow").asInt();
        job.windowRate = j.path("windowRate").asInt();
        job.polled = j.path("polled").asInt();
        j.path("notifiedPerMinute").forEach(n -> job.notifiedPerMinute.add(n.asInt()));
        return job;
    }

    // ------------------------------------------------------------------ helpers

    /** An instant as nanoseconds since the epoch: exact, and cheaper to write and read than ISO text. */
    private static Long text(Instant instant) {
        return instant == null
                ? null
                : Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant instant(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            long nanos = node.longValue();
            return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        }
        return Instant.parse(node.asText());
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static <T> T value(JsonNode node, Class<T> type) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a journal record does not read back as " + type.getSimpleName(), e);
        }
    }

    private static List<JobConfig.MaintenanceWindow> windows(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        List<JobConfig.MaintenanceWindow> out = new ArrayList<>();
        node.forEach(w -> out.add(value(w, JobConfig.MaintenanceWindow.class)));
        return out;
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                out.put(f.getKey(), f.getValue().asText());
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node instanceof ArrayNode array) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}

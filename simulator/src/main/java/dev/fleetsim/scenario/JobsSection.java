package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.config.JobConfig;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.iot.model.CreateJobRequest;

/**
 * {@code jobs}: CreateJob requests as the AWS SDK models them (every field checked against the SDK's shape, with
 * "did you mean"), plus when to create them ({@code at}), series ({@code every}, {@code times}), the artifact their
 * document points at and their targets (things of the fleet or its groups; the whole fleet when left out).
 */
final class JobsSection {
    /** Keys of a job entry that are fleetsim's, not CreateJob's. */
    private static final List<String> OWN_KEYS = List.of("at", "artifact", "every", "times");

    private JobsSection() {}

    static List<Scenario.JobSpec> read(Node list, LoadContext ctx) {
        if (list.isMissing()) {
            return List.of();
        }
        List<Scenario.JobSpec> out = new ArrayList<>();
        Set<String> fields = new HashSet<>(AwsShapes.createJobFields().keySet());
        fields.addAll(OWN_KEYS);
        for (Node j : list.list()) {
            if (!j.mapping(fields.toArray(String[]::new))) {
                continue;
            }
            String jobId = j.get("jobId").required();
            if (jobId != null && !JobsTopic.isValidJobId(jobId)) {
                j.get("jobId").error("'" + jobId + "' must be 1-64 of a-z A-Z 0-9 _ -");
            } else if (jobId != null && !ctx.jobIds.add(jobId)) {
                j.get("jobId").error("'" + jobId + "' is used by an earlier job");
            }
            Duration at = j.get("at").duration(Duration.ZERO);
            String artifact = j.get("artifact").text(null);
            ctx.known(j.get("artifact"), "artifact", artifact, "artifacts", ctx.artifactNames);
            Duration every = j.get("every").duration(null);
            int times = ctx.seriesLength(j, at, every, "jobs", 10_000);
            ObjectNode request = createJob(j, ctx);
            List<String> targets = targets(j, ctx);
            if (jobId != null && every == null) {
                out.add(new Scenario.JobSpec(jobId, at, request, artifact, targets));
            } else if (jobId != null) {
                // A recurring job: jobId-1 … jobId-N, every interval.
                for (int n = 1; n <= times; n++) {
                    String id = jobId + "-" + n;
                    if (!JobsTopic.isValidJobId(id)) {
                        j.get("jobId").error("'" + id + "' (with the series number) is over 64 characters");
                        break;
                    }
                    ctx.jobIds.add(id);
                    ObjectNode copy = request.deepCopy();
                    copy.put("jobId", id);
                    out.add(new Scenario.JobSpec(id, at.plus(every.multipliedBy(n - 1)), copy, artifact, targets));
                }
            }
        }
        return out;
    }

    /** The entry as a CreateJob request (fleetsim's own keys removed, the document as JSON text), checked. */
    private static ObjectNode createJob(Node j, LoadContext ctx) {
        ObjectNode request = ((ObjectNode) j.json()).deepCopy();
        request.remove(OWN_KEYS);
        request.remove("targets");
        JsonNode document = request.get("document");
        if (document != null && document.isObject()) {
            request.put("document", document.toString()); // CreateJob takes the document as JSON text
        }
        if (document == null && !request.has("jobTemplateArn")) {
            j.error("give a document or a jobTemplateArn");
        } else if (document != null) {
            document(j.get("document"), request.get("document").asText());
        }
        List<String> checks = new ArrayList<>();
        AwsShapes.check(request, createJobBuilder(), j.path(), checks);
        ctx.errors.addAll(checks);
        if (checks.isEmpty()) {
            try {
                AwsShapes.createJob(request);
            } catch (IllegalArgumentException e) {
                j.error("not a valid CreateJob request: " + LoadContext.firstLine(e.getMessage()));
            }
        }
        return request;
    }

    private static List<String> targets(Node j, LoadContext ctx) {
        List<String> targets = new ArrayList<>();
        for (Node t : j.get("targets").list()) {
            String target = t.text("");
            String nameOnly = target.replaceAll("^arn:aws[a-z-]*:iot:[^:]*:[^:]*:(thing|thinggroup)/", "");
            if (!ctx.thingNames.contains(nameOnly) && !ctx.groups.containsKey(nameOnly)) {
                String hint = DidYouMean.closest(nameOnly, ctx.groups.keySet());
                t.error("'" + target + "' is neither a thing of this fleet nor a group in fleet.groups"
                        + (hint == null ? "" : "; did you mean '" + hint + "'?"));
            }
            targets.add(target);
        }
        if (j.has("targets") && targets.isEmpty()) {
            j.get("targets").error("list at least one target, or leave the key out to target the fleet");
        }
        return targets;
    }

    private static Type createJobBuilder() {
        return CreateJobRequest.serializableBuilderClass();
    }

    private static void document(Node at, String text) {
        try {
            if (!JobsJson.readTree(text).isObject()) {
                at.error("the document must be a JSON object");
            }
        } catch (IllegalArgumentException e) {
            at.error(e.getMessage());
        }
        if (text.length() > JobConfig.MAX_DOCUMENT_CHARS) {
            at.error(text.length() + " characters; AWS allows at most " + JobConfig.MAX_DOCUMENT_CHARS);
        }
    }
}

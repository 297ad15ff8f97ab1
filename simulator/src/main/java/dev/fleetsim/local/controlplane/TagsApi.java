package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.ApiException;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * TagResource, UntagResource and ListTagsForResource on the resources that take tags here: thing groups, jobs,
 * policies and CA certificates. The resource must exist ({@code ResourceNotFoundException} otherwise).
 */
final class TagsApi {
    private final JobsEngine engine;

    TagsApi(JobsEngine engine) {
        this.engine = engine;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("POST", "/tags", "TagResource", this::tag);
        routes.add("POST", "/untag", "UntagResource", this::untag);
        routes.add("GET", "/tags", "ListTagsForResource", this::list);
    }

    /** The ARN of a resource that exists and takes tags. */
    private String resource(String arn) {
        if (arn == null || arn.isBlank()) {
            throw invalidRequest("resourceArn is required");
        }
        String[] parsed = Arns.parse(arn);
        if (parsed == null || !arn.startsWith(engine.arns().prefix())) {
            throw invalidRequest("resourceArn " + arn + " is not an ARN of account "
                    + engine.arns().accountId() + " in " + engine.arns().region());
        }
        boolean exists = switch (parsed[0]) {
            case "thinggroup" -> engine.registry().findGroup(parsed[1]) != null;
            case "job" -> engine.findJob(parsed[1]) != null;
            case "cacert" -> engine.registry().findCaCertificate(parsed[1]) != null;
            case "policy" ->
                engine.registry().policies().all().stream()
                        .anyMatch(p -> p.name().equals(parsed[1]));
            default -> throw invalidRequest("resources of type " + parsed[0] + " take no tags here");
        };
        if (!exists) {
            throw notFound("Resource " + arn + " cannot be found.");
        }
        return arn;
    }

    private JsonNode tag(ApiRequest r, Map<String, String> p) {
        String arn = resource(r.body().path("resourceArn").asText(null));
        Map<String, String> tags = Params.tags(r.body());
        Map<String, String> merged = new HashMap<>(engine.tags().of(arn));
        merged.putAll(tags);
        if (merged.size() > Tags.MAX_PER_RESOURCE) {
            throw new ApiException(400, "LimitExceededException", "a resource takes at most 50 tags");
        }
        engine.tags().tag(arn, tags);
        return null;
    }

    private JsonNode untag(ApiRequest r, Map<String, String> p) {
        String arn = resource(r.body().path("resourceArn").asText(null));
        List<String> keys = new ArrayList<>();
        r.body().path("tagKeys").forEach(k -> keys.add(k.asText()));
        engine.tags().untag(arn, keys);
        return null;
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        String arn = resource(r.queryParam("resourceArn"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("tags");
        engine.tags().of(arn).forEach((k, v) -> array.addObject().put("Key", k).put("Value", v));
        return out;
    }
}

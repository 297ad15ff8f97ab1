package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.Events;
import dev.fleetsim.local.jobs.JobsEngine;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Lifecycle event configuration (spec §2.10): Update/DescribeEventConfigurations. Only JOB and JOB_EXECUTION act. */
final class EventsApi {
    private static final List<String> EVENT_TYPES = List.of(
            "THING",
            "THING_GROUP",
            "THING_TYPE",
            "THING_GROUP_MEMBERSHIP",
            "THING_GROUP_HIERARCHY",
            "THING_TYPE_ASSOCIATION",
            "JOB",
            "JOB_EXECUTION",
            "POLICY",
            "CERTIFICATE",
            "CA_CERTIFICATE");

    private final JobsEngine engine;
    /** Before any UpdateEventConfigurations, the dates answered are those of the service's start. */
    private final Instant startedAt;

    EventsApi(JobsEngine engine) {
        this.engine = engine;
        this.startedAt = engine.now();
    }

    void register(ControlPlane.Routes routes) {
        routes.add("PATCH", "/event-configurations", "UpdateEventConfigurations", this::update);
        routes.add("GET", "/event-configurations", "DescribeEventConfigurations", this::describe);
    }

    private JsonNode update(ApiRequest r, Map<String, String> p) {
        JsonNode configs = r.body().path("eventConfigurations");
        Events events = engine.events();
        boolean job = events.job();
        boolean jobExecution = events.jobExecution();
        for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!EVENT_TYPES.contains(e.getKey())) {
                throw invalidRequest("unknown event type " + e.getKey() + "; one of " + String.join(", ", EVENT_TYPES));
            }
            boolean enabled = e.getValue().path("Enabled").asBoolean(false);
            if (e.getKey().equals("JOB")) {
                job = enabled;
            } else if (e.getKey().equals("JOB_EXECUTION")) {
                jobExecution = enabled;
            }
        }
        events.configure(job, jobExecution, engine.now());
        return null;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        Events events = engine.events();
        ObjectNode out = JSON.createObjectNode();
        ObjectNode configs = out.putObject("eventConfigurations");
        for (String type : EVENT_TYPES) {
            boolean enabled = type.equals("JOB") ? events.job() : type.equals("JOB_EXECUTION") && events.jobExecution();
            configs.putObject(type).put("Enabled", enabled);
        }
        Instant updatedAt = events.updatedAt() == null ? startedAt : events.updatedAt();
        out.put("creationDate", seconds(updatedAt));
        out.put("lastModifiedDate", seconds(updatedAt));
        return out;
    }
}

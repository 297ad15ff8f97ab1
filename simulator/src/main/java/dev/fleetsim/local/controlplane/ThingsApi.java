package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.attributes;
import static dev.fleetsim.local.controlplane.Params.longParam;
import static dev.fleetsim.local.controlplane.Params.longValue;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Things: CreateThing, DescribeThing, ListThings, UpdateThing, DeleteThing, ListThingGroupsForThing. */
final class ThingsApi {
    private final JobsEngine engine;

    ThingsApi(JobsEngine engine) {
        this.engine = engine;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("POST", "/things/{thingName}", "CreateThing", this::create);
        routes.add("GET", "/things/{thingName}", "DescribeThing", this::describe);
        routes.add("GET", "/things", "ListThings", this::list);
        routes.add("PATCH", "/things/{thingName}", "UpdateThing", this::update);
        routes.add("DELETE", "/things/{thingName}", "DeleteThing", this::delete);
        routes.add("GET", "/things/{thingName}/thing-groups", "ListThingGroupsForThing", this::groupsOf);
    }

    private JsonNode create(ApiRequest r, Map<String, String> p) {
        JsonNode body = r.body();
        Registry.Thing thing = engine.registry()
                .createThing(
                        p.get("thingName"), text(body, "thingTypeName"), attributes(body.path("attributePayload")));
        ObjectNode out = JSON.createObjectNode();
        out.put("thingName", thing.name());
        out.put("thingArn", thing.arn());
        out.put("thingId", thing.id());
        return out;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry().thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        out.put("defaultClientId", thing.name());
        out.put("thingName", thing.name());
        out.put("thingId", thing.id());
        out.put("thingArn", thing.arn());
        if (thing.thingTypeName() != null) {
            out.put("thingTypeName", thing.thingTypeName());
        }
        out.set("attributes", JSON.valueToTree(thing.attributes()));
        out.put("version", thing.version());
        return out;
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        String attributeName = r.queryParam("attributeName");
        String attributeValue = r.queryParam("attributeValue");
        String type = r.queryParam("thingTypeName");
        List<Registry.Thing> matching = engine.registry().things().stream()
                .filter(t -> type == null || type.equals(t.thingTypeName()))
                .filter(t -> attributeName == null
                        || (attributeValue == null
                                ? t.attributes().containsKey(attributeName)
                                : attributeValue.equals(t.attributes().get(attributeName))))
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode things = out.putArray("things");
        page(matching, r, out).forEach(t -> {
            ObjectNode o = things.addObject();
            o.put("thingName", t.name());
            if (t.thingTypeName() != null) {
                o.put("thingTypeName", t.thingTypeName());
            }
            o.put("thingArn", t.arn());
            o.set("attributes", JSON.valueToTree(t.attributes()));
            o.put("version", t.version());
        });
        return out;
    }

    private JsonNode update(ApiRequest r, Map<String, String> p) {
        JsonNode body = r.body();
        JsonNode payload = body.path("attributePayload");
        engine.registry()
                .updateThing(
                        p.get("thingName"),
                        longValue(body, "expectedVersion"),
                        text(body, "thingTypeName"),
                        body.path("removeThingType").asBoolean(false),
                        payload.isObject() ? attributes(payload) : null,
                        payload.path("merge").asBoolean(false));
        return null;
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        engine.deleteThing(p.get("thingName"), longParam(r, "expectedVersion"));
        return null;
    }

    private JsonNode groupsOf(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry().thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode groups = out.putArray("thingGroups");
        page(new ArrayList<>(thing.groups()), r, out)
                .forEach(g ->
                        GroupsApi.groupRef(groups.addObject(), engine.registry().group(g)));
        return out;
    }
}

package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.attributes;
import static dev.fleetsim.local.controlplane.Params.nameOf;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.controlplane.Params.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Static thing groups: Create/Describe/Delete/ListThingGroups, AddThingToThingGroup, RemoveThingFromThingGroup,
 * ListThingsInThingGroup. Membership changes reach CONTINUOUS jobs through the engine (§5.3).
 */
final class GroupsApi {
    private final JobsEngine engine;

    GroupsApi(JobsEngine engine) {
        this.engine = engine;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("PUT", "/thing-groups/addThingToThingGroup", "AddThingToThingGroup", (r, p) -> membership(r, true));
        routes.add(
                "PUT",
                "/thing-groups/removeThingFromThingGroup",
                "RemoveThingFromThingGroup",
                (r, p) -> membership(r, false));
        routes.add("POST", "/thing-groups/{thingGroupName}", "CreateThingGroup", this::create);
        routes.add("GET", "/thing-groups/{thingGroupName}", "DescribeThingGroup", this::describe);
        routes.add("DELETE", "/thing-groups/{thingGroupName}", "DeleteThingGroup", this::delete);
        routes.add("GET", "/thing-groups", "ListThingGroups", this::list);
        routes.add("GET", "/thing-groups/{thingGroupName}/things", "ListThingsInThingGroup", this::things);
    }

    static void groupRef(ObjectNode o, Registry.Group g) {
        o.put("groupName", g.name());
        o.put("groupArn", g.arn());
    }

    private JsonNode create(ApiRequest r, Map<String, String> p) {
        JsonNode body = r.body();
        JsonNode props = body.path("thingGroupProperties");
        Registry.Group group = engine.registry()
                .createGroup(
                        p.get("thingGroupName"),
                        text(body, "parentGroupName"),
                        Params.description(props, "thingGroupDescription"),
                        attributes(props.path("attributePayload")),
                        engine.now());
        engine.tags().tag(group.arn(), Params.tags(body));
        ObjectNode out = JSON.createObjectNode();
        out.put("thingGroupName", group.name());
        out.put("thingGroupArn", group.arn());
        out.put("thingGroupId", group.id());
        return out;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        Registry.Group group = engine.registry().group(p.get("thingGroupName"));
        ObjectNode out = JSON.createObjectNode();
        out.put("thingGroupName", group.name());
        out.put("thingGroupId", group.id());
        out.put("thingGroupArn", group.arn());
        out.put("version", group.version());
        ObjectNode props = out.putObject("thingGroupProperties");
        if (group.description() != null) {
            props.put("thingGroupDescription", group.description());
        }
        props.putObject("attributePayload").set("attributes", JSON.valueToTree(group.attributes()));
        ObjectNode meta = out.putObject("thingGroupMetadata");
        if (group.parent() != null) {
            meta.put("parentGroupName", group.parent());
            ArrayNode chain = meta.putArray("rootToParentThingGroups");
            List<String> ancestors = engine.registry().groupAndAncestors(group.parent());
            for (int i = ancestors.size() - 1; i >= 0; i--) {
                Registry.Group a = engine.registry().group(ancestors.get(i));
                chain.addObject().put("groupName", a.name()).put("groupArn", a.arn());
            }
        }
        meta.put("creationDate", seconds(group.createdAt()));
        out.put("status", "ACTIVE");
        return out;
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        engine.deleteGroup(p.get("thingGroupName"));
        engine.tags().removed(engine.arns().group(p.get("thingGroupName")));
        return null;
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        String parent = r.queryParam("parentGroup");
        String prefix = r.queryParam("namePrefixFilter");
        boolean recursive = !"false".equals(r.queryParam("recursive"));
        List<Registry.Group> matching = engine.registry().groups().stream()
                .filter(g -> prefix == null || g.name().startsWith(prefix))
                .filter(g -> parent == null || (recursive ? ancestors(g).contains(parent) : parent.equals(g.parent())))
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode groups = out.putArray("thingGroups");
        page(matching, r, out).forEach(g -> groupRef(groups.addObject(), g));
        return out;
    }

    /** The group's ancestors, nearest first, without the group itself. */
    private List<String> ancestors(Registry.Group g) {
        List<String> chain = engine.registry().groupAndAncestors(g.name());
        return chain.subList(1, chain.size());
    }

    private JsonNode membership(ApiRequest r, boolean add) {
        JsonNode body = r.body();
        String group = nameOf(text(body, "thingGroupName"), text(body, "thingGroupArn"), "thingGroup");
        String thing = nameOf(text(body, "thingName"), text(body, "thingArn"), "thing");
        if (add) {
            engine.addThingToGroup(thing, group);
        } else {
            engine.removeThingFromGroup(thing, group);
        }
        return null;
    }

    private JsonNode things(ApiRequest r, Map<String, String> p) {
        boolean recursive = "true".equals(r.queryParam("recursive"));
        List<String> things = new ArrayList<>(engine.registry().thingsOfGroup(p.get("thingGroupName"), recursive));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("things");
        page(things, r, out).forEach(array::add);
        return out;
    }
}

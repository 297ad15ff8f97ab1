package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.bool;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.controlplane.Params.text;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.Policies;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * IoT policies: Create/Get/List/DeletePolicy, policy versions (Create, Get, List, SetDefault, Delete), Attach/Detach
 * policies to certificates and thing groups (and the older AttachPrincipalPolicy family), ListAttachedPolicies and
 * ListTargetsForPolicy. The broker evaluates them on every mTLS connection.
 */
final class PoliciesApi {
    private final JobsEngine engine;

    PoliciesApi(JobsEngine engine) {
        this.engine = engine;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("POST", "/policies/{policyName}", "CreatePolicy", this::create);
        routes.add("GET", "/policies/{policyName}", "GetPolicy", this::get);
        routes.add("GET", "/policies", "ListPolicies", this::list);
        routes.add("DELETE", "/policies/{policyName}", "DeletePolicy", this::delete);
        routes.add("POST", "/policies/{policyName}/version", "CreatePolicyVersion", this::createVersion);
        routes.add("GET", "/policies/{policyName}/version", "ListPolicyVersions", this::versions);
        routes.add("GET", "/policies/{policyName}/version/{policyVersionId}", "GetPolicyVersion", this::version);
        routes.add(
                "PATCH",
                "/policies/{policyName}/version/{policyVersionId}",
                "SetDefaultPolicyVersion",
                this::setDefault);
        routes.add(
                "DELETE",
                "/policies/{policyName}/version/{policyVersionId}",
                "DeletePolicyVersion",
                this::deleteVersion);
        routes.add("PUT", "/target-policies/{policyName}", "AttachPolicy", (r, p) -> attach(r, p, true));
        routes.add("POST", "/target-policies/{policyName}", "DetachPolicy", (r, p) -> attach(r, p, false));
        routes.add("POST", "/attached-policies/{target}", "ListAttachedPolicies", this::attached);
        routes.add("POST", "/policy-targets/{policyName}", "ListTargetsForPolicy", this::targets);
        routes.add("PUT", "/principal-policies/{policyName}", "AttachPrincipalPolicy", (r, p) -> principal(r, p, true));
        routes.add(
                "DELETE",
                "/principal-policies/{policyName}",
                "DetachPrincipalPolicy",
                (r, p) -> principal(r, p, false));
        routes.add("GET", "/principal-policies", "ListPrincipalPolicies", this::principalPolicies);
    }

    private Policies policies() {
        return engine.registry().policies();
    }

    private JsonNode create(ApiRequest r, Map<String, String> p) {
        String document = text(r.body(), "policyDocument");
        if (document == null) {
            throw invalidRequest("policyDocument is required");
        }
        Policies.Policy policy = policies().create(p.get("policyName"), document, engine.now());
        engine.tags().tag(policy.arn(), Params.tags(r.body()));
        ObjectNode out = JSON.createObjectNode();
        out.put("policyName", policy.name());
        out.put("policyArn", policy.arn());
        out.put("policyDocument", document);
        out.put("policyVersionId", "1");
        return out;
    }

    private JsonNode get(ApiRequest r, Map<String, String> p) {
        Policies.Policy policy = policies().policy(p.get("policyName"));
        Policies.Version v = policy.version(policy.defaultVersion());
        ObjectNode out = JSON.createObjectNode();
        out.put("policyName", policy.name());
        out.put("policyArn", policy.arn());
        out.put("policyDocument", v.document());
        out.put("defaultVersionId", Integer.toString(policy.defaultVersion()));
        out.put("creationDate", seconds(policy.createdAt()));
        out.put("lastModifiedDate", seconds(policy.lastModifiedAt()));
        out.put("generationId", generation(policy));
        return out;
    }

    /** Changes whenever the default version does, as AWS's generation id does. */
    private static String generation(Policies.Policy policy) {
        return Integer.toHexString((policy.name() + "#" + policy.defaultVersion()).hashCode());
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        List<Policies.Policy> all = new ArrayList<>(policies().all());
        if ("false".equals(r.queryParam("isAscendingOrder"))) {
            Collections.reverse(all);
        }
        return listed(all, r);
    }

    private JsonNode listed(List<Policies.Policy> items, ApiRequest r) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("policies");
        page(items, r, out, Params.Paging.MARKER)
                .forEach(policy ->
                        array.addObject().put("policyName", policy.name()).put("policyArn", policy.arn()));
        return out;
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        policies().delete(p.get("policyName"));
        engine.tags().removed(engine.arns().policy(p.get("policyName")));
        return JSON.createObjectNode();
    }

    private JsonNode createVersion(ApiRequest r, Map<String, String> p) {
        String document = text(r.body(), "policyDocument");
        if (document == null) {
            throw invalidRequest("policyDocument is required");
        }
        boolean setAsDefault = bool(r, "setAsDefault");
        Policies.Version v = policies().createVersion(p.get("policyName"), document, setAsDefault, engine.now());
        Policies.Policy policy = policies().policy(p.get("policyName"));
        ObjectNode out = JSON.createObjectNode();
        out.put("policyArn", policy.arn());
        out.put("policyDocument", v.document());
        out.put("policyVersionId", Integer.toString(v.id()));
        out.put("isDefaultVersion", policy.defaultVersion() == v.id());
        return out;
    }

    private JsonNode versions(ApiRequest r, Map<String, String> p) {
        Policies.Policy policy = policies().policy(p.get("policyName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("policyVersions");
        List<Policies.Version> newestFirst = new ArrayList<>(policy.versions());
        Collections.reverse(newestFirst);
        for (Policies.Version v : newestFirst) {
            array.addObject()
                    .put("versionId", Integer.toString(v.id()))
                    .put("isDefaultVersion", policy.defaultVersion() == v.id())
                    .put("createDate", seconds(v.createdAt()));
        }
        return out;
    }

    private JsonNode version(ApiRequest r, Map<String, String> p) {
        Policies.Policy policy = policies().policy(p.get("policyName"));
        Policies.Version v = policy.version(versionId(p));
        ObjectNode out = JSON.createObjectNode();
        out.put("policyArn", policy.arn());
        out.put("policyName", policy.name());
        out.put("policyDocument", v.document());
        out.put("policyVersionId", Integer.toString(v.id()));
        out.put("isDefaultVersion", policy.defaultVersion() == v.id());
        out.put("creationDate", seconds(v.createdAt()));
        out.put("lastModifiedDate", seconds(v.createdAt()));
        out.put("generationId", generation(policy));
        return out;
    }

    private static int versionId(Map<String, String> p) {
        String id = p.get("policyVersionId");
        if (id == null || !id.matches("[0-9]{1,9}")) {
            throw invalidRequest("policyVersionId must be a number");
        }
        return Integer.parseInt(id);
    }

    private JsonNode setDefault(ApiRequest r, Map<String, String> p) {
        policies().setDefaultVersion(p.get("policyName"), versionId(p), engine.now());
        return JSON.createObjectNode();
    }

    private JsonNode deleteVersion(ApiRequest r, Map<String, String> p) {
        policies().deleteVersion(p.get("policyName"), versionId(p));
        return JSON.createObjectNode();
    }

    /** A policy target: a certificate or thing-group ARN of this account and region that exists. */
    private String target(String target) {
        if (target == null || target.isBlank()) {
            throw invalidRequest("target is required");
        }
        String[] arn = Arns.parse(target);
        if (arn == null || !target.startsWith(engine.arns().prefix())) {
            throw invalidRequest("target " + target + " is not a certificate or thing group ARN of account "
                    + engine.arns().accountId() + " in " + engine.arns().region());
        }
        boolean exists = switch (arn[0]) {
            case "cert" -> engine.registry().findCertificate(arn[1]) != null;
            case "thinggroup" -> engine.registry().findGroup(arn[1]) != null;
            default -> throw invalidRequest("target " + target + " is not a certificate or thing group ARN");
        };
        if (!exists) {
            throw notFound("Target " + target + " cannot be found.");
        }
        return target;
    }

    private JsonNode attach(ApiRequest r, Map<String, String> p, boolean attach) {
        String target = target(text(r.body(), "target"));
        if (attach) {
            policies().attach(p.get("policyName"), target);
        } else {
            policies().detach(p.get("policyName"), target);
        }
        return JSON.createObjectNode();
    }

    private JsonNode principal(ApiRequest r, Map<String, String> p, boolean attach) {
        String target = target(r.header("x-amzn-iot-principal"));
        if (attach) {
            policies().attach(p.get("policyName"), target);
        } else {
            policies().detach(p.get("policyName"), target);
        }
        return JSON.createObjectNode();
    }

    private JsonNode attached(ApiRequest r, Map<String, String> p) {
        String target = target(p.get("target"));
        List<Policies.Policy> attached = new ArrayList<>(policies().attachedTo(target));
        String[] arn = Arns.parse(target);
        if (bool(r, "recursive") && arn != null && arn[0].equals("thinggroup")) {
            for (String group : engine.registry().groupAndAncestors(arn[1])) {
                for (Policies.Policy policy :
                        policies().attachedTo(engine.arns().group(group))) {
                    if (!attached.contains(policy)) {
                        attached.add(policy);
                    }
                }
            }
        }
        return listed(attached, r);
    }

    private JsonNode principalPolicies(ApiRequest r, Map<String, String> p) {
        String target = target(r.header("x-amzn-iot-principal"));
        List<Policies.Policy> attached = new ArrayList<>(policies().attachedTo(target));
        if ("false".equals(r.queryParam("isAscendingOrder"))) {
            Collections.reverse(attached);
        }
        return listed(attached, r);
    }

    private JsonNode targets(ApiRequest r, Map<String, String> p) {
        Policies.Policy policy = policies().policy(p.get("policyName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("targets");
        page(new ArrayList<>(policy.targets()), r, out, Params.Paging.MARKER).forEach(array::add);
        return out;
    }
}

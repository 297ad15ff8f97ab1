package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsRequestException;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.InvalidJobConfigException;
import dev.fleetsim.jobs.config.JobConfig;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * AWS IoT's control plane ({@code iot}, REST-JSON, spec §4) and the HTTPS device data plane ({@code iot-jobs-data},
 * §4.8) over the {@link JobsEngine}: routes, request parsing with AWS's validation, and response shapes exactly as the
 * AWS SDK reads them. Control-plane timestamps are fractional epoch seconds; data-plane ones are whole seconds.
 * Engine thread only.
 */
final class ControlPlaneApi {
    private static final ObjectMapper JSON = JobsJson.mapper();
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 250;
    private static final Pattern TEMPLATE_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private final JobsEngine engine;
    private final DeviceApi deviceApi;
    private final CertificateIssuer issuer;
    private final LocalEndpoints endpoints;
    private final StatusDetailChars statusDetailChars;
    private final List<Route> routes = new ArrayList<>();
    private final List<Route> dataRoutes = new ArrayList<>();
    private Instant eventConfigUpdatedAt;

    /** One route: method, path template with {@code {name}} segments, handler. */
    private record Route(
            String method, String[] segments, BiFunction<ApiRequest, Map<String, String>, JsonNode> handler) {
        Map<String, String> match(String m, String[] path) {
            if (!method.equals(m) || path.length != segments.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < segments.length; i++) {
                if (segments[i].startsWith("{")) {
                    params.put(segments[i].substring(1, segments[i].length() - 1), path[i]);
                } else if (!segments[i].equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    ControlPlaneApi(
            JobsEngine engine,
            DeviceApi deviceApi,
            CertificateIssuer issuer,
            LocalEndpoints endpoints,
            StatusDetailChars statusDetailChars) {
        this.engine = engine;
        this.statusDetailChars = statusDetailChars;
        this.deviceApi = deviceApi;
        this.issuer = issuer;
        this.endpoints = endpoints;
        this.eventConfigUpdatedAt = engine.now();
        // things
        route("POST", "/things/{thingName}", this::createThing);
        route("GET", "/things/{thingName}", this::describeThing);
        route("GET", "/things", this::listThings);
        route("PATCH", "/things/{thingName}", this::updateThing);
        route("DELETE", "/things/{thingName}", this::deleteThing);
        route("GET", "/things/{thingName}/thing-groups", this::listThingGroupsForThing);
        // groups
        route("PUT", "/thing-groups/addThingToThingGroup", (r, p) -> groupMembership(r, true));
        route("PUT", "/thing-groups/removeThingFromThingGroup", (r, p) -> groupMembership(r, false));
        route("POST", "/thing-groups/{thingGroupName}", this::createThingGroup);
        route("GET", "/thing-groups/{thingGroupName}", this::describeThingGroup);
        route("DELETE", "/thing-groups/{thingGroupName}", this::deleteThingGroup);
        route("GET", "/thing-groups", this::listThingGroups);
        route("GET", "/thing-groups/{thingGroupName}/things", this::listThingsInThingGroup);
        // jobs
        route("PUT", "/jobs/{jobId}", this::createJob);
        route("GET", "/jobs/{jobId}", this::describeJob);
        route("GET", "/jobs/{jobId}/job-document", this::getJobDocument);
        route("GET", "/jobs", this::listJobs);
        route("PATCH", "/jobs/{jobId}", this::updateJob);
        route("PUT", "/jobs/{jobId}/cancel", this::cancelJob);
        route("DELETE", "/jobs/{jobId}", this::deleteJob);
        route("POST", "/jobs/{jobId}/targets", this::associateTargets);
        route("GET", "/jobs/{jobId}/things", this::listExecutionsForJob);
        route("GET", "/things/{thingName}/jobs/{jobId}", this::describeExecution);
        route("GET", "/things/{thingName}/jobs", this::listExecutionsForThing);
        route("PUT", "/things/{thingName}/jobs/{jobId}/cancel", this::cancelExecution);
        route("DELETE", "/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}", this::deleteExecution);
        // templates
        route("PUT", "/job-templates/{jobTemplateId}", this::createJobTemplate);
        route("GET", "/job-templates/{jobTemplateId}", this::describeJobTemplate);
        route("GET", "/job-templates", this::listJobTemplates);
        route("DELETE", "/job-templates/{jobTemplateId}", this::deleteJobTemplate);
        route("GET", "/managed-job-templates/{templateName}", this::describeManagedTemplate);
        route("GET", "/managed-job-templates", this::listManagedTemplates);
        // identities
        route("POST", "/keys-and-certificate", this::createKeysAndCertificate);
        route("GET", "/certificates/{certificateId}", this::describeCertificate);
        route("GET", "/certificates", this::listCertificates);
        route("PUT", "/certificates/{certificateId}", this::updateCertificate);
        route("DELETE", "/certificates/{certificateId}", this::deleteCertificate);
        route("PUT", "/things/{thingName}/principals", (r, p) -> principal(r, p, true));
        route("DELETE", "/things/{thingName}/principals", (r, p) -> principal(r, p, false));
        route("GET", "/things/{thingName}/principals", this::listThingPrincipals);
        route("GET", "/endpoint", this::describeEndpoint);
        route("PATCH", "/event-configurations", this::updateEventConfigurations);
        route("GET", "/event-configurations", this::describeEventConfigurations);
        // HTTPS device data plane (iot-jobs-data)
        dataRoute("GET", "/things/{thingName}/jobs", this::dataGetPending);
        dataRoute("PUT", "/things/{thingName}/jobs/$next", this::dataStartNext);
        dataRoute("GET", "/things/{thingName}/jobs/{jobId}", this::dataDescribe);
        dataRoute("POST", "/things/{thingName}/jobs/{jobId}", this::dataUpdate);
    }

    private void route(String method, String template, BiFunction<ApiRequest, Map<String, String>, JsonNode> h) {
        routes.add(new Route(method, template.substring(1).split("/"), h));
    }

    private void dataRoute(String method, String template, BiFunction<ApiRequest, Map<String, String>, JsonNode> h) {
        dataRoutes.add(new Route(method, template.substring(1).split("/"), h));
    }

    /** Routes and answers one request; errors become AWS's error shape. */
    ApiResponse handle(ApiRequest request) {
        String[] path = request.path().equals("/")
                ? new String[0]
                : request.path().substring(1).split("/", -1);
        for (Route route : request.dataPlane() ? dataRoutes : routes) {
            Map<String, String> params = route.match(request.method(), path);
            if (params != null) {
                try {
                    JsonNode body = route.handler().apply(request, params);
                    return new ApiResponse(200, body == null ? JSON.createObjectNode() : body, null);
                } catch (ApiException e) {
                    return error(e);
                } finally {
                    engine.flush();
                }
            }
        }
        return error(new ApiException(
                404, "ResourceNotFoundException", "No API at " + request.method() + " " + request.path()));
    }

    static ApiResponse error(ApiException e) {
        ObjectNode body = JSON.createObjectNode();
        body.put("message", e.getMessage());
        if (e.resourceId() != null) {
            body.put("resourceId", e.resourceId());
        }
        if (e.resourceArn() != null) {
            body.put("resourceArn", e.resourceArn());
        }
        return new ApiResponse(e.status(), body, e.type());
    }

    // ================================================================== things

    private JsonNode createThing(ApiRequest r, Map<String, String> p) {
        JsonNode body = r.body();
        Registry.Thing thing = engine.registry.createThing(
                p.get("thingName"), text(body, "thingTypeName"), attributes(body.path("attributePayload")));
        ObjectNode out = JSON.createObjectNode();
        out.put("thingName", thing.name);
        out.put("thingArn", thing.arn);
        out.put("thingId", thing.id);
        return out;
    }

    private JsonNode describeThing(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry.thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        out.put("defaultClientId", thing.name);
        out.put("thingName", thing.name);
        out.put("thingId", thing.id);
        out.put("thingArn", thing.arn);
        if (thing.thingTypeName != null) {
            out.put("thingTypeName", thing.thingTypeName);
        }
        out.set("attributes", JSON.valueToTree(thing.attributes));
        out.put("version", thing.version);
        return out;
    }

    private JsonNode listThings(ApiRequest r, Map<String, String> p) {
        String attributeName = r.queryParam("attributeName");
        String attributeValue = r.queryParam("attributeValue");
        String type = r.queryParam("thingTypeName");
        List<Registry.Thing> matching = engine.registry.things.values().stream()
                .filter(t -> type == null || type.equals(t.thingTypeName))
                .filter(t -> attributeName == null
                        || (attributeValue == null
                                ? t.attributes.containsKey(attributeName)
                                : attributeValue.equals(t.attributes.get(attributeName))))
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode things = out.putArray("things");
        page(matching, r, out).forEach(t -> {
            ObjectNode o = things.addObject();
            o.put("thingName", t.name);
            if (t.thingTypeName != null) {
                o.put("thingTypeName", t.thingTypeName);
            }
            o.put("thingArn", t.arn);
            o.set("attributes", JSON.valueToTree(t.attributes));
            o.put("version", t.version);
        });
        return out;
    }

    private JsonNode updateThing(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry.thing(p.get("thingName"));
        JsonNode body = r.body();
        Long expected = longValue(body, "expectedVersion");
        if (expected != null && expected != thing.version) {
            throw ApiException.versionConflict(
                    "expected version " + expected + " but the thing is at " + thing.version);
        }
        if (body.path("removeThingType").asBoolean(false)) {
            thing.thingTypeName = null;
        } else if (text(body, "thingTypeName") != null) {
            thing.thingTypeName = text(body, "thingTypeName");
        }
        JsonNode payload = body.path("attributePayload");
        if (payload.isObject()) {
            Map<String, String> attributes = attributes(payload);
            if (!payload.path("merge").asBoolean(false)) {
                thing.attributes.clear();
            }
            attributes.forEach((k, v) -> {
                if (v.isEmpty()) {
                    thing.attributes.remove(k); // merge semantics: an empty value removes the attribute
                } else {
                    thing.attributes.put(k, v);
                }
            });
        }
        thing.version++;
        return null;
    }

    private JsonNode deleteThing(ApiRequest r, Map<String, String> p) {
        String name = p.get("thingName");
        Registry.Thing thing = engine.registry.things.get(name);
        if (thing == null) {
            return null; // DeleteThing of a missing thing succeeds, as on AWS
        }
        String expected = r.queryParam("expectedVersion");
        if (expected != null && Long.parseLong(expected) != thing.version) {
            throw ApiException.versionConflict(
                    "expected version " + expected + " but the thing is at " + thing.version);
        }
        for (String g : thing.groups) {
            engine.registry.groups.get(g).things.remove(name);
        }
        for (String principal : thing.principals) {
            Registry.Certificate c = certificateByArn(principal);
            if (c != null) {
                c.things.remove(name);
                engine.registry.publishAccess(c);
            }
        }
        engine.registry.things.remove(name);
        engine.thingDeleted(name);
        return null;
    }

    private JsonNode listThingGroupsForThing(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry.thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode groups = out.putArray("thingGroups");
        page(new ArrayList<>(thing.groups), r, out)
                .forEach(g -> groupRef(groups.addObject(), engine.registry.groups.get(g)));
        return out;
    }

    // ================================================================== groups

    private JsonNode createThingGroup(ApiRequest r, Map<String, String> p) {
        String name = p.get("thingGroupName");
        if (!Registry.GROUP_NAME.matcher(name).matches()) {
            throw invalidRequest("thingGroupName must be 1-128 characters of [a-zA-Z0-9:_-]");
        }
        JsonNode body = r.body();
        String parent = text(body, "parentGroupName");
        if (parent != null) {
            engine.registry.group(parent);
        }
        JsonNode props = body.path("thingGroupProperties");
        Registry.Group existing = engine.registry.groups.get(name);
        if (existing != null) {
            throw ApiException.alreadyExists("Thing Group " + name + " already exists", existing.id, existing.arn);
        }
        Registry.Group group = new Registry.Group(
                name,
                engine.arns.group(name),
                parent,
                text(props, "thingGroupDescription"),
                attributes(props.path("attributePayload")),
                engine.now());
        engine.registry.groups.put(name, group);
        ObjectNode out = JSON.createObjectNode();
        out.put("thingGroupName", group.name);
        out.put("thingGroupArn", group.arn);
        out.put("thingGroupId", group.id);
        return out;
    }

    private JsonNode describeThingGroup(ApiRequest r, Map<String, String> p) {
        Registry.Group group = engine.registry.group(p.get("thingGroupName"));
        ObjectNode out = JSON.createObjectNode();
        out.put("thingGroupName", group.name);
        out.put("thingGroupId", group.id);
        out.put("thingGroupArn", group.arn);
        out.put("version", group.version);
        ObjectNode props = out.putObject("thingGroupProperties");
        if (group.description != null) {
            props.put("thingGroupDescription", group.description);
        }
        props.putObject("attributePayload").set("attributes", JSON.valueToTree(group.attributes));
        ObjectNode meta = out.putObject("thingGroupMetadata");
        if (group.parent != null) {
            meta.put("parentGroupName", group.parent);
            ArrayNode chain = meta.putArray("rootToParentThingGroups");
            List<String> ancestors = engine.registry.groupAndAncestors(group.parent);
            for (int i = ancestors.size() - 1; i >= 0; i--) {
                Registry.Group a = engine.registry.groups.get(ancestors.get(i));
                chain.addObject().put("groupName", a.name).put("groupArn", a.arn);
            }
        }
        meta.put("creationDate", seconds(group.createdAt));
        out.put("status", "ACTIVE");
        return out;
    }

    private JsonNode deleteThingGroup(ApiRequest r, Map<String, String> p) {
        String name = p.get("thingGroupName");
        Registry.Group group = engine.registry.groups.get(name);
        if (group == null) {
            return null;
        }
        if (engine.registry.groups.values().stream().anyMatch(g -> name.equals(g.parent))) {
            throw invalidRequest("Cannot delete thing group " + name + " because it has child groups");
        }
        for (String thing : new ArrayList<>(group.things)) {
            engine.registry.things.get(thing).groups.remove(name);
            group.things.remove(thing);
            engine.thingLeftGroup(thing);
        }
        engine.registry.groups.remove(name);
        return null;
    }

    private JsonNode listThingGroups(ApiRequest r, Map<String, String> p) {
        String parent = r.queryParam("parentGroup");
        String prefix = r.queryParam("namePrefixFilter");
        boolean recursive = !"false".equals(r.queryParam("recursive"));
        List<Registry.Group> matching = engine.registry.groups.values().stream()
                .filter(g -> prefix == null || g.name.startsWith(prefix))
                .filter(g -> parent == null
                        || (recursive
                                ? engine.registry
                                        .groupAndAncestors(g.name)
                                        .subList(
                                                1,
                                                engine.registry
                                                        .groupAndAncestors(g.name)
                                                        .size())
                                        .contains(parent)
                                : parent.equals(g.parent)))
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode groups = out.putArray("thingGroups");
        page(matching, r, out).forEach(g -> groupRef(groups.addObject(), g));
        return out;
    }

    private JsonNode groupMembership(ApiRequest r, boolean add) {
        JsonNode body = r.body();
        String groupName = nameOf(text(body, "thingGroupName"), text(body, "thingGroupArn"), "thingGroup");
        String thingName = nameOf(text(body, "thingName"), text(body, "thingArn"), "thing");
        Registry.Group group = engine.registry.group(groupName);
        Registry.Thing thing = engine.registry.thing(thingName);
        if (add) {
            if (group.things.add(thingName)) {
                thing.groups.add(groupName);
                engine.thingJoinedGroup(thingName, groupName);
            }
        } else if (group.things.remove(thingName)) {
            thing.groups.remove(groupName);
            engine.thingLeftGroup(thingName);
        }
        return null;
    }

    private JsonNode listThingsInThingGroup(ApiRequest r, Map<String, String> p) {
        boolean recursive = "true".equals(r.queryParam("recursive"));
        List<String> things = new ArrayList<>(engine.registry.thingsOfGroup(p.get("thingGroupName"), recursive));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("things");
        page(things, r, out).forEach(array::add);
        return out;
    }

    private static void groupRef(ObjectNode o, Registry.Group g) {
        o.put("groupName", g.name);
        o.put("groupArn", g.arn);
    }

    // ================================================================== jobs

    private JsonNode createJob(ApiRequest r, Map<String, String> p) {
        String jobId = p.get("jobId");
        if (!JobsTopic.isValidJobId(jobId)) {
            throw invalidRequest("jobId must be 1-64 characters of [a-zA-Z0-9_-]");
        }
        JsonNode body = r.body();
        String templateArn = text(body, "jobTemplateArn");
        String document = text(body, "document");
        String documentSource = text(body, "documentSource");
        Map<String, String> parameters =
                body.has("documentParameters") ? stringMap(body.get("documentParameters"), "documentParameters") : null;
        JobConfig.PresignedUrl presigned = config(body, "presignedUrlConfig", JobConfig.PresignedUrl.class);
        JobConfig.Rollout rollout = config(body, "jobExecutionsRolloutConfig", JobConfig.Rollout.class);
        JobConfig.Abort abort = config(body, "abortConfig", JobConfig.Abort.class);
        JobConfig.Timeout timeout = config(body, "timeoutConfig", JobConfig.Timeout.class);
        JobConfig.Retry retry = config(body, "jobExecutionsRetryConfig", JobConfig.Retry.class);
        JobConfig.Scheduling scheduling = config(body, "schedulingConfig", JobConfig.Scheduling.class);
        if (templateArn != null) {
            String[] arn = Arns.parse(templateArn);
            if (arn == null || !arn[0].equals("jobtemplate")) {
                throw invalidRequest("jobTemplateArn is not a job template ARN: " + templateArn);
            }
            JobTemplates.Managed managed = managedFromArn(arn[1]);
            if (managed != null) {
                if (document != null || documentSource != null) {
                    throw invalidRequest("a job from a managed template takes documentParameters, not a document");
                }
                document = JobTemplates.substitute(managed, parameters);
            } else {
                if (parameters != null) {
                    throw invalidRequest("documentParameters can only be used with AWS managed templates");
                }
                JobTemplates.Template t = engine.templates.get(arn[1]);
                if (t == null) {
                    throw notFound("Job template " + arn[1] + " cannot be found.");
                }
                // Explicit CreateJob fields override the template's (§4.2).
                document = document != null ? document : t.document();
                documentSource = documentSource != null ? documentSource : t.documentSource();
                presigned = presigned != null ? presigned : t.presignedUrl();
                rollout = rollout != null ? rollout : t.rollout();
                abort = abort != null ? abort : t.abort();
                timeout = timeout != null ? timeout : t.timeout();
                retry = retry != null ? retry : t.retry();
                if (t.maintenanceWindows() != null && (scheduling == null || scheduling.maintenanceWindows() == null)) {
                    scheduling = scheduling == null
                            ? new JobConfig.Scheduling(null, null, null, t.maintenanceWindows())
                            : new JobConfig.Scheduling(
                                    scheduling.startTime(),
                                    scheduling.endTime(),
                                    scheduling.endBehavior(),
                                    t.maintenanceWindows());
                }
            }
        } else if (parameters != null) {
            throw invalidRequest("documentParameters can only be used with AWS managed templates");
        }
        if (document == null && documentSource != null) {
            document = fetchDocument(documentSource);
        }
        Job job = engine.createJob(new JobsEngine.NewJob(
                jobId,
                stringList(body.get("targets"), "targets"),
                text(body, "targetSelection"),
                document,
                documentSource,
                text(body, "description"),
                templateArn,
                parameters,
                presigned,
                rollout,
                abort,
                timeout,
                retry,
                scheduling));
        return jobRef(job);
    }

    /** CreateJob's {@code documentSource}: read once, now (§4.2), and checked like an inline document. */
    private String fetchDocument(String url) {
        if (url.length() > 1350) {
            throw invalidRequest("documentSource must be 1-1350 characters");
        }
        if (engine.documentSource == null) {
            throw invalidRequest("documentSource cannot be fetched: the local stack has no S3 store for " + url
                    + "; pass the document inline");
        }
        String text;
        try {
            text = engine.documentSource.fetch(url);
        } catch (IllegalArgumentException e) {
            throw invalidRequest(e.getMessage());
        }
        try {
            if (!JobsJson.readTree(text).isObject()) {
                throw invalidRequest("the document at " + url + " is not a JSON object");
            }
        } catch (IllegalArgumentException e) {
            throw invalidRequest("the document at " + url + " is not valid JSON");
        }
        return text;
    }

    private JobTemplates.Managed managedFromArn(String resource) {
        int colon = resource.lastIndexOf(':');
        String name = colon < 0 ? resource : resource.substring(0, colon);
        return JobTemplates.MANAGED.get(name);
    }

    private ObjectNode jobRef(Job job) {
        ObjectNode out = JSON.createObjectNode();
        out.put("jobArn", job.jobArn);
        out.put("jobId", job.jobId);
        if (job.description != null) {
            out.put("description", job.description);
        }
        return out;
    }

    private JsonNode describeJob(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        ObjectNode out = JSON.createObjectNode();
        if (job.documentSource != null) {
            out.put("documentSource", job.documentSource);
        }
        ObjectNode j = out.putObject("job");
        j.put("jobArn", job.jobArn);
        j.put("jobId", job.jobId);
        j.put("targetSelection", job.targetSelection);
        j.put("status", job.status.name());
        j.put("forceCanceled", job.forceCanceled);
        putIfNotNull(j, "reasonCode", job.reasonCode);
        putIfNotNull(j, "comment", job.comment);
        j.set("targets", JSON.valueToTree(job.targets));
        putIfNotNull(j, "description", job.description);
        setIfNotNull(j, "presignedUrlConfig", job.presignedUrl);
        setIfNotNull(j, "jobExecutionsRolloutConfig", job.rollout);
        setIfNotNull(j, "abortConfig", job.abort);
        j.put("createdAt", seconds(job.createdAt));
        j.put("lastUpdatedAt", seconds(job.lastUpdatedAt));
        if (job.completedAt != null) {
            j.put("completedAt", seconds(job.completedAt));
        }
        ObjectNode details = j.putObject("jobProcessDetails");
        if (job.isRollingOut() || job.status == JobStatus.SCHEDULED) {
            details.set("processingTargets", JSON.valueToTree(job.targets));
        }
        job.writeCounters(details, JobExecutionStatus.values());
        setIfNotNull(j, "timeoutConfig", job.timeout);
        putIfNotNull(j, "jobTemplateArn", job.jobTemplateArn);
        setIfNotNull(j, "jobExecutionsRetryConfig", job.retry);
        if (job.documentParameters != null) {
            j.set("documentParameters", JSON.valueToTree(job.documentParameters));
        }
        j.put("isConcurrent", job.isRollingOut());
        setIfNotNull(j, "schedulingConfig", job.scheduling);
        List<Instant> rollouts = JobsEngine.nextRollouts(job, engine.now());
        if (!rollouts.isEmpty()) {
            ArrayNode scheduled = j.putArray("scheduledJobRollouts");
            rollouts.forEach(t -> scheduled
                    .addObject()
                    .put("startTime", t.atZone(ZoneOffset.UTC).toLocalDateTime().toString()));
        }
        return out;
    }

    private JsonNode getJobDocument(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        // Placeholders are never presigned here (§6.2, §15.13).
        return JSON.createObjectNode().put("document", job.documentText);
    }

    private JsonNode listJobs(ApiRequest r, Map<String, String> p) {
        String status = r.queryParam("status");
        String selection = r.queryParam("targetSelection");
        String groupName = r.queryParam("thingGroupName");
        String groupId = r.queryParam("thingGroupId");
        if (groupId != null) {
            groupName = engine.registry.groups.values().stream()
                    .filter(g -> g.id.equals(groupId))
                    .map(g -> g.name)
                    .findFirst()
                    .orElse("\u0000none");
        }
        String group = groupName;
        List<Job> matching = engine.jobs.values().stream()
                .filter(j -> status == null || j.status.name().equals(status))
                .filter(j -> selection == null || j.targetSelection.equals(selection))
                .filter(j -> group == null || j.targets.contains(engine.arns.group(group)) || j.targets.contains(group))
                .sorted(Comparator.comparing((Job j) -> j.createdAt).reversed())
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("jobs");
        page(matching, r, out).forEach(job -> {
            ObjectNode o = array.addObject();
            o.put("jobArn", job.jobArn);
            o.put("jobId", job.jobId);
            o.put("targetSelection", job.targetSelection);
            o.put("status", job.status.name());
            o.put("createdAt", seconds(job.createdAt));
            o.put("lastUpdatedAt", seconds(job.lastUpdatedAt));
            if (job.completedAt != null) {
                o.put("completedAt", seconds(job.completedAt));
            }
            o.put("isConcurrent", job.isRollingOut());
        });
        return out;
    }

    private JsonNode updateJob(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        JsonNode body = r.body();
        engine.updateJob(
                job,
                text(body, "description"),
                config(body, "presignedUrlConfig", JobConfig.PresignedUrl.class),
                config(body, "jobExecutionsRolloutConfig", JobConfig.Rollout.class),
                config(body, "abortConfig", JobConfig.Abort.class),
                config(body, "timeoutConfig", JobConfig.Timeout.class),
                config(body, "jobExecutionsRetryConfig", JobConfig.Retry.class));
        return null;
    }

    private JsonNode cancelJob(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        String reasonCode = text(r.body(), "reasonCode");
        if (reasonCode != null && !reasonCode.matches("[\\p{Upper}\\p{Digit}_]{1,128}")) {
            throw invalidRequest("reasonCode must be up to 128 upper-case letters, digits and underscores");
        }
        engine.cancelJob(job, bool(r.queryParam("force")), reasonCode, text(r.body(), "comment"));
        return jobRef(job);
    }

    private JsonNode deleteJob(ApiRequest r, Map<String, String> p) {
        engine.deleteJob(engine.job(p.get("jobId")), bool(r.queryParam("force")));
        return null;
    }

    private JsonNode associateTargets(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        engine.associateTargets(job, stringList(r.body().get("targets"), "targets"));
        return jobRef(job);
    }

    private JsonNode describeExecution(ApiRequest r, Map<String, String> p) {
        Execution e = execution(p.get("thingName"), p.get("jobId"), longParam(r, "executionNumber"));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode x = out.putObject("execution");
        x.put("jobId", e.jobId());
        x.put("status", e.status.name());
        x.put("forceCanceled", e.forceCanceled);
        x.putObject("statusDetails").set("detailsMap", JSON.valueToTree(e.statusDetails));
        x.put("thingArn", engine.arns.thing(e.thingName));
        x.put("queuedAt", seconds(e.queuedAt));
        if (e.startedAt != null) {
            x.put("startedAt", seconds(e.startedAt));
        }
        x.put("lastUpdatedAt", seconds(e.lastUpdatedAt));
        x.put("executionNumber", e.executionNumber);
        x.put("versionNumber", e.versionNumber);
        Long remaining = e.approximateSecondsBeforeTimedOut(engine.now());
        if (remaining != null) {
            x.put("approximateSecondsBeforeTimedOut", remaining);
        }
        return out;
    }

    private Execution execution(String thingName, String jobId, Long executionNumber) {
        Execution e = engine.find(thingName, jobId, executionNumber);
        if (e == null) {
            throw notFound("Job execution " + jobId + " for thing " + thingName + " cannot be found.");
        }
        return e;
    }

    private JsonNode listExecutionsForJob(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        JobExecutionStatus status = statusParam(r);
        List<Execution> latest = job.executions.values().stream()
                .map(list -> list.get(list.size() - 1))
                .filter(e -> status == null || e.status == status)
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("executionSummaries");
        page(latest, r, out).forEach(e -> {
            ObjectNode o = array.addObject();
            o.put("thingArn", engine.arns.thing(e.thingName));
            o.set("jobExecutionSummary", summary(e));
        });
        return out;
    }

    private JsonNode listExecutionsForThing(ApiRequest r, Map<String, String> p) {
        String thingName = p.get("thingName");
        engine.registry.thing(thingName);
        JobExecutionStatus status = statusParam(r);
        String jobId = r.queryParam("jobId");
        List<Execution> executions = new ArrayList<>();
        for (Job job : engine.jobs.values()) {
            if (job.status == JobStatus.DELETION_IN_PROGRESS || (jobId != null && !jobId.equals(job.jobId))) {
                continue;
            }
            Execution e = job.latest(thingName);
            if (e != null && (status == null || e.status == status)) {
                executions.add(e);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("executionSummaries");
        page(executions, r, out).forEach(e -> {
            ObjectNode o = array.addObject();
            o.put("jobId", e.jobId());
            o.set("jobExecutionSummary", summary(e));
        });
        return out;
    }

    private ObjectNode summary(Execution e) {
        ObjectNode s = JSON.createObjectNode();
        s.put("status", e.status.name());
        s.put("queuedAt", seconds(e.queuedAt));
        if (e.startedAt != null) {
            s.put("startedAt", seconds(e.startedAt));
        }
        s.put("lastUpdatedAt", seconds(e.lastUpdatedAt));
        s.put("executionNumber", e.executionNumber);
        s.put("retryAttempt", e.retryAttempt);
        return s;
    }

    private JobExecutionStatus statusParam(ApiRequest r) {
        String status = r.queryParam("status");
        if (status == null) {
            return null;
        }
        try {
            return JobExecutionStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw invalidRequest("status must be one of QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED,"
                    + " REMOVED, CANCELED");
        }
    }

    private JsonNode cancelExecution(ApiRequest r, Map<String, String> p) {
        Execution e = execution(p.get("thingName"), p.get("jobId"), null);
        JsonNode body = r.body();
        Long expected = longValue(body, "expectedVersion");
        Map<String, String> details = body.has("statusDetails") ? statusDetails(body.get("statusDetails")) : null;
        engine.cancelExecution(e, bool(r.queryParam("force")), expected == null ? null : expected.intValue(), details);
        return null;
    }

    private JsonNode deleteExecution(ApiRequest r, Map<String, String> p) {
        long number;
        try {
            number = Long.parseLong(p.get("executionNumber"));
        } catch (NumberFormatException e) {
            throw invalidRequest("executionNumber must be a number");
        }
        engine.deleteExecution(execution(p.get("thingName"), p.get("jobId"), number), bool(r.queryParam("force")));
        return null;
    }

    // ================================================================== templates

    private JsonNode createJobTemplate(ApiRequest r, Map<String, String> p) {
        String id = p.get("jobTemplateId");
        if (!TEMPLATE_ID.matcher(id).matches()) {
            throw invalidRequest("jobTemplateId must be 1-64 characters of [a-zA-Z0-9_-]");
        }
        if (engine.templates.containsKey(id)) {
            throw ApiException.conflict("Job template " + id + " already exists.");
        }
        JsonNode body = r.body();
        String description = text(body, "description");
        if (description == null) {
            throw invalidRequest("description is required");
        }
        String document = text(body, "document");
        String jobArn = text(body, "jobArn");
        JobConfig.PresignedUrl presigned = config(body, "presignedUrlConfig", JobConfig.PresignedUrl.class);
        JobConfig.Rollout rollout = config(body, "jobExecutionsRolloutConfig", JobConfig.Rollout.class);
        JobConfig.Abort abort = config(body, "abortConfig", JobConfig.Abort.class);
        JobConfig.Timeout timeout = config(body, "timeoutConfig", JobConfig.Timeout.class);
        JobConfig.Retry retry = config(body, "jobExecutionsRetryConfig", JobConfig.Retry.class);
        List<JobConfig.MaintenanceWindow> windows = body.hasNonNull("maintenanceWindows")
                ? config(wrapWindows(body.get("maintenanceWindows")), "schedulingConfig", JobConfig.Scheduling.class)
                        .maintenanceWindows()
                : null;
        if (jobArn != null) {
            String[] arn = Arns.parse(jobArn);
            Job job = engine.job(arn == null ? jobArn : arn[1]);
            document = document != null ? document : job.documentText;
            presigned = presigned != null ? presigned : job.presignedUrl;
            rollout = rollout != null ? rollout : job.rollout;
            abort = abort != null ? abort : job.abort;
            timeout = timeout != null ? timeout : job.timeout;
            retry = retry != null ? retry : job.retry;
        }
        if (document == null && text(body, "documentSource") == null) {
            throw invalidRequest("a job template needs a document, a documentSource or a jobArn");
        }
        if (document != null) {
            try {
                if (!JobsJson.readTree(document).isObject()) {
                    throw invalidRequest("the job document must be a JSON object");
                }
            } catch (IllegalArgumentException e) {
                throw invalidRequest("the job document is not valid JSON");
            }
        }
        JobTemplates.Template template = new JobTemplates.Template(
                id,
                engine.arns.jobTemplate(id),
                description,
                document,
                text(body, "documentSource"),
                presigned,
                rollout,
                abort,
                timeout,
                retry,
                windows,
                engine.now());
        engine.templates.put(id, template);
        ObjectNode out = JSON.createObjectNode();
        out.put("jobTemplateArn", template.jobTemplateArn());
        out.put("jobTemplateId", id);
        return out;
    }

    private JsonNode describeJobTemplate(ApiRequest r, Map<String, String> p) {
        JobTemplates.Template t = template(p.get("jobTemplateId"));
        ObjectNode out = JSON.createObjectNode();
        out.put("jobTemplateArn", t.jobTemplateArn());
        out.put("jobTemplateId", t.jobTemplateId());
        out.put("description", t.description());
        putIfNotNull(out, "documentSource", t.documentSource());
        putIfNotNull(out, "document", t.document());
        out.put("createdAt", seconds(t.createdAt()));
        setIfNotNull(out, "presignedUrlConfig", t.presignedUrl());
        setIfNotNull(out, "jobExecutionsRolloutConfig", t.rollout());
        setIfNotNull(out, "abortConfig", t.abort());
        setIfNotNull(out, "timeoutConfig", t.timeout());
        setIfNotNull(out, "jobExecutionsRetryConfig", t.retry());
        setIfNotNull(out, "maintenanceWindows", t.maintenanceWindows());
        return out;
    }

    private JobTemplates.Template template(String id) {
        JobTemplates.Template t = engine.templates.get(id);
        if (t == null) {
            throw notFound("Job template " + id + " cannot be found.");
        }
        return t;
    }

    private JsonNode listJobTemplates(ApiRequest r, Map<String, String> p) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("jobTemplates");
        page(new ArrayList<>(engine.templates.values()), r, out).forEach(t -> {
            ObjectNode o = array.addObject();
            o.put("jobTemplateArn", t.jobTemplateArn());
            o.put("jobTemplateId", t.jobTemplateId());
            o.put("description", t.description());
            o.put("createdAt", seconds(t.createdAt()));
        });
        return out;
    }

    private JsonNode deleteJobTemplate(ApiRequest r, Map<String, String> p) {
        template(p.get("jobTemplateId"));
        engine.templates.remove(p.get("jobTemplateId"));
        return null;
    }

    private JsonNode describeManagedTemplate(ApiRequest r, Map<String, String> p) {
        JobTemplates.Managed m = JobTemplates.MANAGED.get(p.get("templateName"));
        String version = r.queryParam("templateVersion");
        if (m == null || (version != null && !version.equals(m.version()))) {
            throw notFound("Managed job template " + p.get("templateName") + " cannot be found.");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("templateName", m.templateName());
        out.put("templateArn", engine.arns.managedTemplate(m.templateName(), m.version()));
        out.put("description", m.description());
        out.put("templateVersion", m.version());
        out.putArray("environments").add("LINUX");
        ArrayNode params = out.putArray("documentParameters");
        for (JobTemplates.Parameter parameter : m.parameters()) {
            params.addObject()
                    .put("key", parameter.key())
                    .put("description", parameter.description())
                    .put("regex", parameter.regex())
                    .put("example", parameter.example())
                    .put("optional", parameter.optional());
        }
        out.put("document", m.document());
        return out;
    }

    private JsonNode listManagedTemplates(ApiRequest r, Map<String, String> p) {
        String name = r.queryParam("templateName");
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("managedJobTemplates");
        List<JobTemplates.Managed> matching = JobTemplates.MANAGED.values().stream()
                .filter(m -> name == null || m.templateName().equals(name))
                .sorted(Comparator.comparing(JobTemplates.Managed::templateName))
                .toList();
        page(matching, r, out).forEach(m -> {
            ObjectNode o = array.addObject();
            o.put("templateArn", engine.arns.managedTemplate(m.templateName(), m.version()));
            o.put("templateName", m.templateName());
            o.put("description", m.description());
            o.putArray("environments").add("LINUX");
            o.put("templateVersion", m.version());
        });
        return out;
    }

    // ================================================================== identities

    private JsonNode createKeysAndCertificate(ApiRequest r, Map<String, String> p) {
        if (issuer == null) {
            throw new ApiException(503, "ServiceUnavailableException", "no certificate authority is configured");
        }
        CertificateIssuer.Issued issued = issuer.issue();
        String status = bool(r.queryParam("setAsActive")) ? "ACTIVE" : "INACTIVE";
        Registry.Certificate certificate = new Registry.Certificate(
                issued.certificateId(),
                engine.arns.certificate(issued.certificateId()),
                issued.certificatePem(),
                status,
                engine.now());
        engine.registry.putCertificate(certificate);
        ObjectNode out = JSON.createObjectNode();
        out.put("certificateArn", certificate.arn);
        out.put("certificateId", certificate.id);
        out.put("certificatePem", certificate.pem);
        ObjectNode keys = out.putObject("keyPair");
        keys.put("PublicKey", issued.publicKeyPem());
        keys.put("PrivateKey", issued.privateKeyPem());
        return out;
    }

    private Registry.Certificate certificate(String id) {
        Registry.Certificate c = engine.registry.certificates.get(id);
        if (c == null) {
            throw notFound("Certificate " + id + " cannot be found.");
        }
        return c;
    }

    private Registry.Certificate certificateByArn(String arn) {
        String[] parsed = Arns.parse(arn);
        return parsed == null || !parsed[0].equals("cert") ? null : engine.registry.certificates.get(parsed[1]);
    }

    private JsonNode describeCertificate(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = certificate(p.get("certificateId"));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode d = out.putObject("certificateDescription");
        d.put("certificateArn", c.arn);
        d.put("certificateId", c.id);
        d.put("status", c.status);
        d.put("certificatePem", c.pem);
        d.put("ownedBy", engine.arns.accountId());
        d.put("creationDate", seconds(c.createdAt));
        d.put("lastModifiedDate", seconds(c.createdAt));
        d.put("certificateMode", "DEFAULT");
        return out;
    }

    private JsonNode listCertificates(ApiRequest r, Map<String, String> p) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("certificates");
        page(new ArrayList<>(engine.registry.certificates.values()), r, out)
                .forEach(c -> array.addObject()
                        .put("certificateArn", c.arn)
                        .put("certificateId", c.id)
                        .put("status", c.status)
                        .put("creationDate", seconds(c.createdAt)));
        return out;
    }

    private JsonNode updateCertificate(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = certificate(p.get("certificateId"));
        String status = r.queryParam("newStatus");
        if (!Set.of("ACTIVE", "INACTIVE", "REVOKED").contains(status)) {
            throw invalidRequest("newStatus must be ACTIVE, INACTIVE or REVOKED");
        }
        c.status = status;
        engine.registry.publishAccess(c);
        return null;
    }

    private JsonNode deleteCertificate(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = certificate(p.get("certificateId"));
        if ("ACTIVE".equals(c.status)) {
            throw new ApiException(
                    409, "CertificateStateException", "Certificate must be deactivated before deletion.");
        }
        if (!c.things.isEmpty() && !bool(r.queryParam("forceDelete"))) {
            throw new ApiException(409, "DeleteConflictException", "Certificate is attached to things.");
        }
        engine.registry.certificates.remove(c.id);
        engine.registry.removeAccess(c.id);
        return null;
    }

    private JsonNode principal(ApiRequest r, Map<String, String> p, boolean attach) {
        Registry.Thing thing = engine.registry.thing(p.get("thingName"));
        String principal = r.header("x-amzn-principal");
        if (principal == null || principal.isEmpty()) {
            throw invalidRequest("the x-amzn-principal header is required");
        }
        Registry.Certificate c = certificateByArn(principal);
        if (c == null) {
            throw notFound("Principal " + principal + " cannot be found.");
        }
        if (attach) {
            thing.principals.add(principal);
            c.things.add(thing.name);
        } else {
            thing.principals.remove(principal);
            c.things.remove(thing.name);
        }
        engine.registry.publishAccess(c);
        return null;
    }

    private JsonNode listThingPrincipals(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry.thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("principals");
        page(new ArrayList<>(thing.principals), r, out).forEach(array::add);
        return out;
    }

    private JsonNode describeEndpoint(ApiRequest r, Map<String, String> p) {
        String type = r.queryParam("endpointType");
        String address = switch (type == null ? "iot:Data" : type) {
            case "iot:Data", "iot:Data-ATS" -> endpoints.mqttHost();
            case "iot:Jobs" -> endpoints.jobsDataPlaneHost();
            case "iot:CredentialProvider" -> endpoints.mqttHost();
            default -> throw invalidRequest("unknown endpointType " + type);
        };
        return JSON.createObjectNode().put("endpointAddress", address);
    }

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

    private JsonNode updateEventConfigurations(ApiRequest r, Map<String, String> p) {
        JsonNode configs = r.body().path("eventConfigurations");
        for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!EVENT_TYPES.contains(e.getKey())) {
                throw invalidRequest("unknown event type " + e.getKey());
            }
            boolean enabled = e.getValue().path("Enabled").asBoolean(false);
            if (e.getKey().equals("JOB")) {
                engine.events.job = enabled;
            } else if (e.getKey().equals("JOB_EXECUTION")) {
                engine.events.jobExecution = enabled;
            }
        }
        eventConfigUpdatedAt = engine.now();
        return null;
    }

    private JsonNode describeEventConfigurations(ApiRequest r, Map<String, String> p) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode configs = out.putObject("eventConfigurations");
        for (String type : EVENT_TYPES) {
            boolean enabled =
                    type.equals("JOB") ? engine.events.job : type.equals("JOB_EXECUTION") && engine.events.jobExecution;
            configs.putObject(type).put("Enabled", enabled);
        }
        out.put("creationDate", seconds(eventConfigUpdatedAt));
        out.put("lastModifiedDate", seconds(eventConfigUpdatedAt));
        return out;
    }

    // ================================================================== HTTPS data plane (§4.8)

    private JsonNode dataGetPending(ApiRequest r, Map<String, String> p) {
        var response = deviceApi.getPending(p.get("thingName"), null);
        ObjectNode out = JSON.createObjectNode();
        out.set("inProgressJobs", JSON.valueToTree(response.inProgressJobs()));
        out.set("queuedJobs", JSON.valueToTree(response.queuedJobs()));
        return out;
    }

    private JsonNode dataStartNext(ApiRequest r, Map<String, String> p) {
        var request = dataRequest(() -> JobsJson.parseStartNext(bytes(r.body()), statusDetailChars));
        return dataExecution(deviceApi.startNext(p.get("thingName"), request).execution());
    }

    private JsonNode dataDescribe(ApiRequest r, Map<String, String> p) {
        Long executionNumber = longParam(r, "executionNumber");
        String include = r.queryParam("includeJobDocument");
        var request = new DescribeJobExecutionRequest(
                executionNumber, include == null ? null : Boolean.parseBoolean(include), null);
        return dataExecution(dataRequest(() -> deviceApi.describe(p.get("thingName"), p.get("jobId"), request))
                .execution());
    }

    private JsonNode dataUpdate(ApiRequest r, Map<String, String> p) {
        var request = dataRequest(() -> JobsJson.parseUpdate(bytes(r.body()), statusDetailChars));
        var response = dataRequest(() -> deviceApi.update(p.get("thingName"), p.get("jobId"), request));
        ObjectNode out = JSON.createObjectNode();
        if (response.executionState() != null) {
            out.set("executionState", JSON.valueToTree(response.executionState()));
        }
        if (response.jobDocument() != null) {
            out.put("jobDocument", response.jobDocument().toString());
        }
        return out;
    }

    /** Data-plane shape: the same as MQTT but {@code jobDocument} is a string (§4.6, §15.2). */
    private static JsonNode dataExecution(JobExecution execution) {
        ObjectNode out = JSON.createObjectNode();
        if (execution != null) {
            ObjectNode x = (ObjectNode) JSON.valueToTree(execution);
            if (execution.jobDocument() != null) {
                x.put("jobDocument", execution.jobDocument().toString());
            }
            out.set("execution", x);
        }
        return out;
    }

    private interface DeviceCall<T> {
        T call() throws JobsRequestException;
    }

    /** MQTT rejection codes → the data plane's exceptions and HTTP statuses (§2.8). */
    private static <T> T dataRequest(DeviceCall<T> call) {
        try {
            return call.call();
        } catch (JobsRequestException e) {
            throw switch (e.code()) {
                case ResourceNotFound -> notFound(e.getMessage());
                case InvalidStateTransition, VersionMismatch -> ApiException.invalidStateTransition(e.getMessage());
                case TerminalStateReached -> ApiException.terminalState(e.getMessage());
                case RequestThrottled -> new ApiException(429, "ThrottlingException", e.getMessage());
                case InternalError -> new ApiException(503, "ServiceUnavailableException", e.getMessage());
                default -> invalidRequest(e.getMessage());
            };
        }
    }

    private static byte[] bytes(JsonNode body) {
        return body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ================================================================== parsing helpers

    private static String text(JsonNode body, String field) {
        JsonNode node = body == null ? null : body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalidRequest(field + " must be a string");
        }
        return node.textValue();
    }

    private static Long longValue(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            throw invalidRequest(field + " must be a whole number");
        }
        return node.longValue();
    }

    private static Long longParam(ApiRequest r, String name) {
        String value = r.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalidRequest(name + " must be a number");
        }
    }

    private static boolean bool(String value) {
        return "true".equalsIgnoreCase(value);
    }

    private static String nameOf(String name, String arn, String what) {
        if (name != null) {
            return name;
        }
        String[] parsed = Arns.parse(arn);
        if (parsed == null) {
            throw invalidRequest(what + "Name or " + what + "Arn is required");
        }
        return parsed[1];
    }

    private static List<String> stringList(JsonNode node, String field) {
        if (node == null || !node.isArray()) {
            throw invalidRequest(field + " must be a list of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()
                    || item.textValue().isEmpty()
                    || item.textValue().length() > 2048) {
                throw invalidRequest(field + " must hold strings of 1-2048 characters");
            }
            values.add(item.textValue());
        }
        return values;
    }

    private static Map<String, String> stringMap(JsonNode node, String field) {
        if (!node.isObject()) {
            throw invalidRequest(field + " must be a map of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw invalidRequest(field + "." + e.getKey() + " must be a string");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }

    private static Map<String, String> attributes(JsonNode payload) {
        if (payload == null || payload.isMissingNode() || payload.isNull()) {
            return Map.of();
        }
        JsonNode attributes = payload.get("attributes");
        return attributes == null || attributes.isNull() ? Map.of() : stringMap(attributes, "attributes");
    }

    /** {@code statusDetails} of CancelJobExecution: the device API's limits (§3.4). */
    private Map<String, String> statusDetails(JsonNode node) {
        Map<String, String> map = stringMap(node, "statusDetails");
        if (map.size() > JobsJson.MAX_STATUS_DETAILS) {
            throw invalidRequest("statusDetails may hold at most " + JobsJson.MAX_STATUS_DETAILS + " entries");
        }
        for (Map.Entry<String, String> e : map.entrySet()) {
            String problem = JobsJson.statusDetailProblem(e.getKey(), e.getValue(), statusDetailChars);
            if (problem != null) {
                throw invalidRequest(problem);
            }
        }
        return map;
    }

    private static <T extends JobConfig.Validated> T config(JsonNode body, String field, Class<T> type) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        T value;
        try {
            value = JSON.treeToValue(node, type);
        } catch (Exception e) {
            throw invalidRequest(field + " is malformed");
        }
        try {
            value.validate();
        } catch (InvalidJobConfigException e) {
            throw invalidRequest(e.getMessage());
        }
        return value;
    }

    private static JsonNode wrapWindows(JsonNode windows) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.putObject("schedulingConfig").set("maintenanceWindows", windows);
        return wrapper;
    }

    private static void putIfNotNull(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static void setIfNotNull(ObjectNode node, String field, Object value) {
        if (value != null) {
            node.set(field, JSON.valueToTree(value));
        }
    }

    /** Control-plane timestamps: fractional epoch seconds, millisecond precision (§1.3). */
    static BigDecimal seconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
    }

    /** A page of {@code items} by {@code maxResults} and an opaque {@code nextToken}; sets the next token on out. */
    private static <T> List<T> page(List<T> items, ApiRequest r, ObjectNode out) {
        int max = DEFAULT_PAGE;
        String maxText = r.queryParam("maxResults");
        if (maxText != null) {
            try {
                max = Integer.parseInt(maxText);
            } catch (NumberFormatException e) {
                throw invalidRequest("maxResults must be a number");
            }
            if (max < 1 || max > MAX_PAGE) {
                throw invalidRequest("maxResults must be 1-" + MAX_PAGE);
            }
        }
        int offset = 0;
        String token = r.queryParam("nextToken");
        if (token != null) {
            try {
                offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw invalidRequest("nextToken is invalid");
            }
            if (offset < 0 || offset > items.size()) {
                throw invalidRequest("nextToken is invalid");
            }
        }
        int end = Math.min(items.size(), offset + max);
        if (end < items.size()) {
            out.put(
                    "nextToken",
                    Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)));
        }
        return items.subList(offset, end);
    }
}

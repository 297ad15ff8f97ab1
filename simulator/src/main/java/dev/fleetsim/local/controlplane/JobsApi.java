package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.bool;
import static dev.fleetsim.local.controlplane.Params.config;
import static dev.fleetsim.local.controlplane.Params.longParam;
import static dev.fleetsim.local.controlplane.Params.longPath;
import static dev.fleetsim.local.controlplane.Params.longValue;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.putIfNotNull;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.controlplane.Params.setIfNotNull;
import static dev.fleetsim.local.controlplane.Params.stringList;
import static dev.fleetsim.local.controlplane.Params.stringMap;
import static dev.fleetsim.local.controlplane.Params.text;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.DocumentPresigner;
import dev.fleetsim.local.jobs.Execution;
import dev.fleetsim.local.jobs.Job;
import dev.fleetsim.local.jobs.JobStatus;
import dev.fleetsim.local.jobs.JobTemplates;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.MaintenanceWindows;
import dev.fleetsim.local.jobs.Registry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Jobs and their executions (spec §4.1–4.7): CreateJob (inline document, {@code documentSource}, custom and managed
 * templates), UpdateJob, DescribeJob, GetJobDocument, ListJobs, CancelJob, DeleteJob, AssociateTargetsWithJob,
 * DescribeJobExecution, ListJobExecutionsForJob/ForThing, CancelJobExecution, DeleteJobExecution.
 */
final class JobsApi {
    private final JobsEngine engine;
    private final StatusDetailChars statusDetailChars;
    /** Strict mode: a document with presigned-URL placeholders needs {@code presignedUrlConfig.roleArn}. */
    private final boolean strict;

    JobsApi(JobsEngine engine, StatusDetailChars statusDetailChars, boolean strict) {
        this.engine = engine;
        this.statusDetailChars = statusDetailChars;
        this.strict = strict;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("PUT", "/jobs/{jobId}", "CreateJob", this::create);
        routes.add("GET", "/jobs/{jobId}", "DescribeJob", this::describe);
        routes.add("GET", "/jobs/{jobId}/job-document", "GetJobDocument", this::document);
        routes.add("GET", "/jobs", "ListJobs", this::list);
        routes.add("PATCH", "/jobs/{jobId}", "UpdateJob", this::update);
        routes.add("PUT", "/jobs/{jobId}/cancel", "CancelJob", this::cancel);
        routes.add("DELETE", "/jobs/{jobId}", "DeleteJob", this::delete);
        routes.add("POST", "/jobs/{jobId}/targets", "AssociateTargetsWithJob", this::associateTargets);
        routes.add("GET", "/jobs/{jobId}/things", "ListJobExecutionsForJob", this::executionsOfJob);
        routes.add("GET", "/things/{thingName}/jobs/{jobId}", "DescribeJobExecution", this::describeExecution);
        routes.add("GET", "/things/{thingName}/jobs", "ListJobExecutionsForThing", this::executionsOfThing);
        routes.add("PUT", "/things/{thingName}/jobs/{jobId}/cancel", "CancelJobExecution", this::cancelExecution);
        routes.add(
                "DELETE",
                "/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}",
                "DeleteJobExecution",
                this::deleteExecution);
    }

    // ------------------------------------------------------------------ jobs

    private JsonNode create(ApiRequest r, Map<String, String> p) {
        String jobId = p.get("jobId");
        if (!JobsTopic.isValidJobId(jobId)) {
            throw invalidRequest("jobId must be 1-64 characters of [a-zA-Z0-9_-]");
        }
        JsonNode body = r.body();
        String templateArn = text(body, "jobTemplateArn");
        String document = text(body, "document");
        String documentSource = text(body, "documentSource");
        if (document != null && documentSource != null) {
            throw invalidRequest("give either document or documentSource, not both");
        }
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
                JobTemplates.Template t = engine.template(arn[1]);
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
            document = engine.fetchDocument(documentSource);
        }
        if (strict
                && document != null
                && DocumentPresigner.hasPlaceholder(document)
                && (presigned == null || presigned.roleArn() == null)) {
            // IoT Core presigns with the role it assumes; without one it has nothing to sign with.
            throw invalidRequest("presignedUrlConfig.roleArn is required: the job document uses"
                    + " ${aws:iot:s3-presigned-url:...} placeholders");
        }
        Job job = engine.createJob(new JobsEngine.NewJob(
                jobId,
                stringList(body.get("targets"), "targets"),
                text(body, "targetSelection"),
                document,
                documentSource,
                Params.description(body, "description"),
                templateArn,
                parameters,
                presigned,
                rollout,
                abort,
                timeout,
                retry,
                scheduling));
        engine.tags().tag(engine.arns().job(jobId), Params.tags(body));
        return jobRef(job);
    }

    private static JobTemplates.Managed managedFromArn(String resource) {
        int colon = resource.lastIndexOf(':');
        String name = colon < 0 ? resource : resource.substring(0, colon);
        return JobTemplates.MANAGED.get(name);
    }

    private static ObjectNode jobRef(Job job) {
        ObjectNode out = JSON.createObjectNode();
        out.put("jobArn", job.jobArn());
        out.put("jobId", job.jobId());
        if (job.description() != null) {
            out.put("description", job.description());
        }
        return out;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        ObjectNode out = JSON.createObjectNode();
        if (job.documentSource() != null) {
            out.put("documentSource", job.documentSource());
        }
        ObjectNode j = out.putObject("job");
        j.put("jobArn", job.jobArn());
        j.put("jobId", job.jobId());
        j.put("targetSelection", job.targetSelection());
        j.put("status", job.status().name());
        j.put("forceCanceled", job.forceCanceled());
        putIfNotNull(j, "reasonCode", job.reasonCode());
        putIfNotNull(j, "comment", job.comment());
        j.set("targets", JSON.valueToTree(job.targets()));
        putIfNotNull(j, "description", job.description());
        setIfNotNull(j, "presignedUrlConfig", job.presignedUrl());
        setIfNotNull(j, "jobExecutionsRolloutConfig", job.rollout());
        setIfNotNull(j, "abortConfig", job.abort());
        j.put("createdAt", seconds(job.createdAt()));
        j.put("lastUpdatedAt", seconds(job.lastUpdatedAt()));
        if (job.completedAt() != null) {
            j.put("completedAt", seconds(job.completedAt()));
        }
        ObjectNode details = j.putObject("jobProcessDetails");
        if (job.isRollingOut() || job.status() == JobStatus.SCHEDULED) {
            details.set("processingTargets", JSON.valueToTree(job.targets()));
        }
        job.writeCounters(details, JobExecutionStatus.values());
        setIfNotNull(j, "timeoutConfig", job.timeout());
        putIfNotNull(j, "jobTemplateArn", job.jobTemplateArn());
        setIfNotNull(j, "jobExecutionsRetryConfig", job.retry());
        if (job.documentParameters() != null) {
            j.set("documentParameters", JSON.valueToTree(job.documentParameters()));
        }
        j.put("isConcurrent", job.isRollingOut());
        setIfNotNull(j, "schedulingConfig", job.scheduling());
        List<Instant> rollouts = MaintenanceWindows.nextRollouts(job, engine.now());
        if (!rollouts.isEmpty()) {
            ArrayNode scheduled = j.putArray("scheduledJobRollouts");
            rollouts.forEach(t -> scheduled
                    .addObject()
                    .put("startTime", t.atZone(ZoneOffset.UTC).toLocalDateTime().toString()));
        }
        return out;
    }

    private JsonNode document(ApiRequest r, Map<String, String> p) {
        // Placeholders are never presigned here (§6.2, §15.13).
        return JSON.createObjectNode()
                .put("document", engine.job(p.get("jobId")).documentText());
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        String status = r.queryParam("status");
        if (status != null
                && Arrays.stream(JobStatus.values()).noneMatch(s -> s.name().equals(status))) {
            throw invalidRequest("status must be one of " + Arrays.toString(JobStatus.values()));
        }
        String selection = r.queryParam("targetSelection");
        if (selection != null && !selection.equals("SNAPSHOT") && !selection.equals("CONTINUOUS")) {
            throw invalidRequest("targetSelection must be SNAPSHOT or CONTINUOUS");
        }
        String groupName = r.queryParam("thingGroupName");
        String groupId = r.queryParam("thingGroupId");
        if (groupId != null) {
            groupName = engine.registry().groups().stream()
                    .filter(g -> g.id().equals(groupId))
                    .map(Registry.Group::name)
                    .findFirst()
                    .orElse("\u0000none");
        }
        String group = groupName;
        List<Job> matching = engine.jobs().stream()
                .filter(j -> status == null || j.status().name().equals(status))
                .filter(j -> selection == null || j.targetSelection().equals(selection))
                .filter(j -> group == null
                        || j.targets().contains(engine.arns().group(group))
                        || j.targets().contains(group))
                .sorted(Comparator.comparing(Job::createdAt).reversed())
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("jobs");
        page(matching, r, out).forEach(job -> {
            ObjectNode o = array.addObject();
            o.put("jobArn", job.jobArn());
            o.put("jobId", job.jobId());
            o.put("targetSelection", job.targetSelection());
            o.put("status", job.status().name());
            o.put("createdAt", seconds(job.createdAt()));
            o.put("lastUpdatedAt", seconds(job.lastUpdatedAt()));
            if (job.completedAt() != null) {
                o.put("completedAt", seconds(job.completedAt()));
            }
            o.put("isConcurrent", job.isRollingOut());
        });
        return out;
    }

    private JsonNode update(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        JsonNode body = r.body();
        engine.updateJob(
                job,
                Params.description(body, "description"),
                config(body, "presignedUrlConfig", JobConfig.PresignedUrl.class),
                config(body, "jobExecutionsRolloutConfig", JobConfig.Rollout.class),
                config(body, "abortConfig", JobConfig.Abort.class),
                config(body, "timeoutConfig", JobConfig.Timeout.class),
                config(body, "jobExecutionsRetryConfig", JobConfig.Retry.class));
        return null;
    }

    private JsonNode cancel(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        String reasonCode = text(r.body(), "reasonCode");
        if (reasonCode != null && !reasonCode.matches("[\\p{Upper}\\p{Digit}_]{1,128}")) {
            throw invalidRequest("reasonCode must be up to 128 upper-case letters, digits and underscores");
        }
        engine.cancelJob(job, bool(r, "force"), reasonCode, text(r.body(), "comment"));
        return jobRef(job);
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        engine.deleteJob(engine.job(p.get("jobId")), bool(r, "force"));
        engine.tags().removed(engine.arns().job(p.get("jobId")));
        return null;
    }

    private JsonNode associateTargets(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        engine.associateTargets(job, stringList(r.body().get("targets"), "targets"));
        return jobRef(job);
    }

    // ------------------------------------------------------------------ executions

    private JsonNode describeExecution(ApiRequest r, Map<String, String> p) {
        Execution e = execution(p.get("thingName"), p.get("jobId"), longParam(r, "executionNumber"));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode x = out.putObject("execution");
        x.put("jobId", e.jobId());
        x.put("status", e.status().name());
        x.put("forceCanceled", e.forceCanceled());
        x.putObject("statusDetails").set("detailsMap", JSON.valueToTree(e.statusDetails()));
        x.put("thingArn", engine.arns().thing(e.thingName()));
        x.put("queuedAt", seconds(e.queuedAt()));
        if (e.startedAt() != null) {
            x.put("startedAt", seconds(e.startedAt()));
        }
        x.put("lastUpdatedAt", seconds(e.lastUpdatedAt()));
        x.put("executionNumber", e.executionNumber());
        x.put("versionNumber", e.versionNumber());
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

    private JsonNode executionsOfJob(ApiRequest r, Map<String, String> p) {
        Job job = engine.job(p.get("jobId"));
        JobExecutionStatus status = statusParam(r);
        List<Execution> latest = job.latestExecutions().stream()
                .filter(e -> status == null || e.status() == status)
                .toList();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("executionSummaries");
        page(latest, r, out).forEach(e -> {
            ObjectNode o = array.addObject();
            o.put("thingArn", engine.arns().thing(e.thingName()));
            o.set("jobExecutionSummary", summary(e));
        });
        return out;
    }

    private JsonNode executionsOfThing(ApiRequest r, Map<String, String> p) {
        String thingName = p.get("thingName");
        engine.registry().thing(thingName);
        JobExecutionStatus status = statusParam(r);
        String jobId = r.queryParam("jobId");
        List<Execution> executions = new ArrayList<>();
        for (Job job : engine.jobs()) {
            if (job.status() == JobStatus.DELETION_IN_PROGRESS || (jobId != null && !jobId.equals(job.jobId()))) {
                continue;
            }
            Execution e = job.latest(thingName);
            if (e != null && (status == null || e.status() == status)) {
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

    private static ObjectNode summary(Execution e) {
        ObjectNode s = JSON.createObjectNode();
        s.put("status", e.status().name());
        s.put("queuedAt", seconds(e.queuedAt()));
        if (e.startedAt() != null) {
            s.put("startedAt", seconds(e.startedAt()));
        }
        s.put("lastUpdatedAt", seconds(e.lastUpdatedAt()));
        s.put("executionNumber", e.executionNumber());
        s.put("retryAttempt", e.retryAttempt());
        return s;
    }

    private static JobExecutionStatus statusParam(ApiRequest r) {
        String status = r.queryParam("status");
        if (status == null) {
            return null;
        }
        try {
            return JobExecutionStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw invalidRequest("status must be one of " + JobExecutionStatus.namesInOrder());
        }
    }

    private JsonNode cancelExecution(ApiRequest r, Map<String, String> p) {
        Execution e = execution(p.get("thingName"), p.get("jobId"), null);
        JsonNode body = r.body();
        Long expected = longValue(body, "expectedVersion");
        Map<String, String> details = body.has("statusDetails") ? statusDetails(body.get("statusDetails")) : null;
        engine.cancelExecution(e, bool(r, "force"), expected == null ? null : expected.intValue(), details);
        return null;
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

    private JsonNode deleteExecution(ApiRequest r, Map<String, String> p) {
        long number = longPath(p, "executionNumber");
        engine.deleteExecution(execution(p.get("thingName"), p.get("jobId"), number), bool(r, "force"));
        return null;
    }
}

package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.config;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.putIfNotNull;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.controlplane.Params.setIfNotNull;
import static dev.fleetsim.local.controlplane.Params.text;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.Job;
import dev.fleetsim.local.jobs.JobTemplates;
import dev.fleetsim.local.jobs.JobsEngine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Job templates (spec §6.4): Create/Describe/List/DeleteJobTemplate, and AWS's managed templates
 * (Describe/ListManagedJobTemplates).
 */
final class TemplatesApi {
    private static final Pattern TEMPLATE_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private final JobsEngine engine;

    TemplatesApi(JobsEngine engine) {
        this.engine = engine;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("PUT", "/job-templates/{jobTemplateId}", "CreateJobTemplate", this::create);
        routes.add("GET", "/job-templates/{jobTemplateId}", "DescribeJobTemplate", this::describe);
        routes.add("GET", "/job-templates", "ListJobTemplates", this::list);
        routes.add("DELETE", "/job-templates/{jobTemplateId}", "DeleteJobTemplate", this::delete);
        routes.add("GET", "/managed-job-templates/{templateName}", "DescribeManagedJobTemplate", this::managed);
        routes.add("GET", "/managed-job-templates", "ListManagedJobTemplates", this::listManaged);
    }

    private JsonNode create(ApiRequest r, Map<String, String> p) {
        String id = p.get("jobTemplateId");
        if (!TEMPLATE_ID.matcher(id).matches()) {
            throw invalidRequest("jobTemplateId must be 1-64 characters of [a-zA-Z0-9_-]");
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
            document = document != null ? document : job.documentText();
            presigned = presigned != null ? presigned : job.presignedUrl();
            rollout = rollout != null ? rollout : job.rollout();
            abort = abort != null ? abort : job.abort();
            timeout = timeout != null ? timeout : job.timeout();
            retry = retry != null ? retry : job.retry();
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
                engine.arns().jobTemplate(id),
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
        engine.putTemplate(template);
        ObjectNode out = JSON.createObjectNode();
        out.put("jobTemplateArn", template.jobTemplateArn());
        out.put("jobTemplateId", id);
        return out;
    }

    /** Maintenance windows of a template are read and checked as those of a {@code schedulingConfig}. */
    private static JsonNode wrapWindows(JsonNode windows) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.putObject("schedulingConfig").set("maintenanceWindows", windows);
        return wrapper;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
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
        JobTemplates.Template t = engine.template(id);
        if (t == null) {
            throw notFound("Job template " + id + " cannot be found.");
        }
        return t;
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("jobTemplates");
        page(new ArrayList<>(engine.templates()), r, out).forEach(t -> {
            ObjectNode o = array.addObject();
            o.put("jobTemplateArn", t.jobTemplateArn());
            o.put("jobTemplateId", t.jobTemplateId());
            o.put("description", t.description());
            o.put("createdAt", seconds(t.createdAt()));
        });
        return out;
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        engine.removeTemplate(template(p.get("jobTemplateId")).jobTemplateId());
        return null;
    }

    private JsonNode managed(ApiRequest r, Map<String, String> p) {
        JobTemplates.Managed m = JobTemplates.MANAGED.get(p.get("templateName"));
        String version = r.queryParam("templateVersion");
        if (m == null || (version != null && !version.equals(m.version()))) {
            throw notFound("Managed job template " + p.get("templateName") + " cannot be found.");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("templateName", m.templateName());
        out.put("templateArn", engine.arns().managedTemplate(m.templateName(), m.version()));
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

    private JsonNode listManaged(ApiRequest r, Map<String, String> p) {
        String name = r.queryParam("templateName");
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("managedJobTemplates");
        List<JobTemplates.Managed> matching = JobTemplates.MANAGED.values().stream()
                .filter(m -> name == null || m.templateName().equals(name))
                .sorted(Comparator.comparing(JobTemplates.Managed::templateName))
                .toList();
        page(matching, r, out).forEach(m -> {
            ObjectNode o = array.addObject();
            o.put("templateArn", engine.arns().managedTemplate(m.templateName(), m.version()));
            o.put("templateName", m.templateName());
            o.put("description", m.description());
            o.putArray("environments").add("LINUX");
            o.put("templateVersion", m.version());
        });
        return out;
    }
}

package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.JobConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Custom job templates and AWS's managed templates (spec §6.4). Managed templates use the document schema version
 * 1.0 of the AWS IoT Device Client; CreateJob substitutes {@code ${aws:iot:parameter:<key>}} from
 * {@code documentParameters}, which only managed templates accept.
 */
public final class JobTemplates {
    private JobTemplates() {}

    /** A custom template. */
    public record Template(
            String jobTemplateId,
            String jobTemplateArn,
            String description,
            String document,
            String documentSource,
            JobConfig.PresignedUrl presignedUrl,
            JobConfig.Rollout rollout,
            JobConfig.Abort abort,
            JobConfig.Timeout timeout,
            JobConfig.Retry retry,
            List<JobConfig.MaintenanceWindow> maintenanceWindows,
            Instant createdAt) {}

    /** A parameter of a managed template. */
    public record Parameter(String key, String description, String regex, String example, boolean optional) {}

    /** A managed template. */
    public record Managed(
            String templateName, String description, String version, List<Parameter> parameters, String document) {}

    private static final Parameter RUN_AS_USER = new Parameter(
            "runAsUser", "Optional. The user name of the user to run the handler as.", "(.){0,256}", "user1", true);
    private static final Parameter PATH_TO_HANDLER = new Parameter(
            "pathToHandler",
            "Optional. The path to the handler script on the device.",
            "(.){0,4096}",
            "/path/to/handler",
            true);

    /** AWS's managed templates, version 1.0 (§6.4). */
    public static final Map<String, Managed> MANAGED = managed();

    private static Map<String, Managed> managed() {
        Map<String, Managed> m = new LinkedHashMap<>();
        add(m, "AWS-Reboot", "Reboots a device.", "Reboot", "reboot.sh", List.of(), "");
        add(
                m,
                "AWS-Download-File",
                "Downloads a file to a device.",
                "Download-File",
                "download-file.sh",
                List.of(
                        new Parameter(
                                "downloadUrl",
                                "URL of the file to download.",
                                "(.*?)",
                                "https://example.com/file",
                                false),
                        new Parameter(
                                "filePath", "Path on the device to store the file.", "(.*?)", "/tmp/file", false)),
                "\"${aws:iot:parameter:downloadUrl}\",\"${aws:iot:parameter:filePath}\"");
        add(
                m,
                "AWS-Install-Application",
                "Installs packages on a device.",
                "Install-Application",
                "install-packages.sh",
                List.of(packages()),
                "\"${aws:iot:parameter:packages}\"");
        add(
                m,
                "AWS-Remove-Application",
                "Removes packages from a device.",
                "Remove-Application",
                "remove-packages.sh",
                List.of(packages()),
                "\"${aws:iot:parameter:packages}\"");
        add(
                m,
                "AWS-Start-Application",
                "Starts services on a device.",
                "Start-Application",
                "start-services.sh",
                List.of(services()),
                "\"${aws:iot:parameter:services}\"");
        add(
                m,
                "AWS-Stop-Application",
                "Stops services on a device.",
                "Stop-Application",
                "stop-services.sh",
                List.of(services()),
                "\"${aws:iot:parameter:services}\"");
        add(
                m,
                "AWS-Restart-Application",
                "Restarts services on a device.",
                "Restart-Application",
                "restart-services.sh",
                List.of(services()),
                "\"${aws:iot:parameter:services}\"");
        String runCommand = """
                {"version":"1.0","steps":[{"action":{"name":"Run-Command","type":"runCommand",\
                "input":{"command":"${aws:iot:parameter:command}"},"runAsUser":"${aws:iot:parameter:runAsUser}"}}]}""";
        m.put(
                "AWS-Run-Command",
                new Managed(
                        "AWS-Run-Command",
                        "Runs a command on a device.",
                        "1.0",
                        List.of(
                                new Parameter(
                                        "command",
                                        "Comma-separated command and arguments.",
                                        "(.){1,4096}",
                                        "ls,-l",
                                        false),
                                RUN_AS_USER),
                        runCommand));
        return Map.copyOf(m);
    }

    private static Parameter packages() {
        return new Parameter("packages", "Space-separated list of packages.", "(.)+", "nginx curl", false);
    }

    private static Parameter services() {
        return new Parameter("services", "Space-separated list of services.", "(.)+", "nginx", false);
    }

    private static void add(
            Map<String, Managed> m,
            String name,
            String description,
            String action,
            String handler,
            List<Parameter> own,
            String args) {
        String document = "{\"version\":\"1.0\",\"steps\":[{\"action\":{\"name\":\"" + action + "\",\"type\":"
                + "\"runHandler\",\"input\":{\"handler\":\"" + handler + "\",\"args\":[" + args + "],"
                + "\"path\":\"${aws:iot:parameter:pathToHandler}\"},\"runAsUser\":\"${aws:iot:parameter:runAsUser}\"}}]}";
        List<Parameter> parameters = new ArrayList<>(own);
        parameters.add(RUN_AS_USER);
        parameters.add(PATH_TO_HANDLER);
        m.put(name, new Managed(name, description, "1.0", List.copyOf(parameters), document));
    }

    private static final Pattern PARAMETER = Pattern.compile("\\$\\{aws:iot:parameter:([a-zA-Z0-9_-]+)}");

    /**
     * A managed template's document with its parameters substituted. Required parameters must be given and match their
     * regex; optional ones left out become empty strings (UNVERIFIED in the spec; fleetsim's choice).
     */
    public static String substitute(Managed template, Map<String, String> values) {
        Map<String, String> given = values == null ? Map.of() : values;
        for (String key : given.keySet()) {
            if (template.parameters().stream().noneMatch(p -> p.key().equals(key))) {
                throw invalidRequest(
                        "documentParameters key " + key + " is not a parameter of " + template.templateName());
            }
        }
        for (Parameter p : template.parameters()) {
            String value = given.get(p.key());
            if (value == null) {
                if (!p.optional()) {
                    throw invalidRequest(
                            "documentParameters must include " + p.key() + " for " + template.templateName());
                }
                continue;
            }
            if (value.isEmpty()
                    || value.length() > 30_720
                    || !Pattern.compile(p.regex()).matcher(value).matches()) {
                throw invalidRequest("documentParameters " + p.key() + " does not match " + p.regex());
            }
        }
        Matcher m = PARAMETER.matcher(template.document());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = given.getOrDefault(m.group(1), "");
            m.appendReplacement(out, Matcher.quoteReplacement(jsonEscape(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String jsonEscape(String value) {
        String quoted = JobsJson.mapper().getNodeFactory().textNode(value).toString();
        return quoted.substring(1, quoted.length() - 1);
    }

    /** The template document as a JSON tree (for DescribeManagedJobTemplate). */
    static JsonNode documentOf(Managed template) {
        return JobsJson.readTree(template.document());
    }
}

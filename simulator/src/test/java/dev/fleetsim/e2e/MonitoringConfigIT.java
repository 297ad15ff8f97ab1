package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.testing.TestDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker-compose, Prometheus and Grafana files cannot run here (no Docker daemon, no images), so they are checked as
 * data: the compose services mount files that exist and run commands the CLI accepts; Prometheus scrapes those
 * services on those ports; every dashboard is well formed, uses the provisioned datasource, and queries only meters
 * that a real run and a real local stack expose.
 */
class MonitoringConfigIT {
    private static final Path ROOT = Path.of("..");
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void composeServicesMountExistingFilesAndRunValidCommands() throws Exception {
        JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        JsonNode services = compose.get("services");
        assertThat(services.fieldNames())
                .toIterable()
                .contains("fleetsim-run", "fleetsim-local", "prometheus", "grafana");
        for (JsonNode service : services) {
            for (JsonNode volume : service.path("volumes")) {
                String host = volume.asText().split(":")[0];
                if (host.startsWith("./") && !host.contains("target/") && !host.contains("fleetsim-reports")) {
                    assertThat(ROOT.resolve(host)).as(host).exists();
                }
            }
        }
        for (String name : List.of("fleetsim-run", "fleetsim-local")) {
            List<String> command = new ArrayList<>();
            services.get(name).get("command").forEach(c -> command.add(c.asText()));
            assertThat(command.subList(0, 3)).containsExactly("java", "-jar", "/app/fleetsim.jar");
            // picocli throws on an unknown option or a missing parameter.
            FleetsimCommand.commandLine()
                    .parseArgs(command.subList(3, command.size()).toArray(String[]::new));
        }
        List<String> run = new ArrayList<>();
        services.get("fleetsim-run").get("command").forEach(c -> run.add(c.asText()));
        assertThat(ROOT.resolve(run.get(4))).exists();
    }

    @Test
    void prometheusScrapesTheComposeServicesOnTheirPorts() throws Exception {
        JsonNode prometheus =
                YAML.readTree(ROOT.resolve("prometheus/prometheus.yml").toFile());
        JsonNode services =
                YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
        Set<String> targets = new HashSet<>();
        prometheus
                .get("scrape_configs")
                .forEach(c ->
                        c.path("static_configs").forEach(s -> s.path("targets").forEach(t -> targets.add(t.asText()))));
        String runCommand = services.get("fleetsim-run").get("command").toString();
        assertThat(targets).contains("fleetsim-run:" + between(runCommand, "\"--metrics-port\",\"", "\""));
        assertThat(targets).contains("fleetsim-local:4580"); // the control plane's default port serves /metrics
        for (String t : targets) {
            assertThat(services.has(t.split(":")[0])).as(t).isTrue();
        }
    }

    @Test
    void dashboardsAreWellFormedAndQueryOnlyMetersThatExist() throws Exception {
        JsonNode datasources = YAML.readTree(
                ROOT.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        String uid = datasources.get("datasources").get(0).get("uid").asText();
        JsonNode provider = YAML.readTree(
                ROOT.resolve("grafana/provisioning/dashboards/fleetsim.yml").toFile());
        assertThat(provider.get("providers").get(0).get("options").get("path").asText())
                .isEqualTo("/var/lib/grafana/dashboards");
        Set<String> exposed = exposedMetrics();
        List<Path> dashboards;
        try (var files = Files.list(ROOT.resolve("grafana/dashboards"))) {
            dashboards = files.filter(f -> f.toString().endsWith(".json")).toList();
        }
        assertThat(dashboards).isNotEmpty();
        Pattern metric = Pattern.compile("\\bfleetsim_[a-z_]+");
        for (Path file : dashboards) {
            JsonNode d = JobsJson.mapper().readTree(file.toFile());
            assertThat(d.get("uid").asText()).hasSizeBetween(8, 40);
            assertThat(d.get("title").asText()).isNotBlank();
            assertThat(d.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : d.get("panels")) {
                assertThat(ids.add(panel.get("id").asInt()))
                        .as("unique panel id")
                        .isTrue();
                assertThat(panel.get("datasource").get("uid").asText()).isEqualTo(uid);
                for (JsonNode target : panel.get("targets")) {
                    assertThat(target.get("refId").asText()).isNotBlank();
                    String expr = target.get("expr").asText();
                    assertThat(balanced(expr)).as(expr).isTrue();
                    Matcher m = metric.matcher(expr);
                    while (m.find()) {
                        assertThat(exposed)
                                .as("%s in %s", m.group(), file.getFileName())
                                .contains(m.group());
                    }
                }
            }
        }
    }

    /** Metric names (with Prometheus suffixes) a run's observer and a local stack really expose. */
    private static Set<String> exposedMetrics() throws Exception {
        RunObserver o = new RunObserver(Clock.systemUTC());
        o.connectStart("d", 0);
        o.connectEnd("d", 1_000_000);
        o.connectFailed("d", 1, new RuntimeException());
        o.disconnected("d", 2);
        o.jobStarting("j", 0);
        o.jobReceived("d", "j", 1, 10);
        o.requestAccepted("d", JobsTopic.Operation.UPDATE, 10);
        o.downloadStart("d", "j", "http://h/f", 10);
        o.downloadEnd("d", "j", 10, 20);
        o.downloadFailed("d", "j", "x", 20);
        o.statusReported("d", "j", JobExecutionStatus.SUCCEEDED, 30);
        StringBuilder text = new StringBuilder(o.registry().scrape());
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
                TestDevice device = TestDevice.connect("m-1", stack.mqttPort())) {
            device.publish("$next/get", "{}");
            device.await("$next/get/accepted");
            text.append(stack.jobs().scrape().get(10, TimeUnit.SECONDS));
        }
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^(fleetsim_[a-z_]+)").matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static boolean balanced(String expr) {
        int depth = 0;
        for (char c : expr.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }

    private static String between(String text, String open, String close) {
        int a = text.indexOf(open) + open.length();
        return text.substring(a, text.indexOf(close, a));
    }
}

package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.metrics.Meter;
import dev.fleetsim.scenario.RunObserver;
import dev.fleetsim.testing.TestDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
                String host = volume.isObject()
                        ? volume.get("source").asText()
                        : volume.asText().split(":")[0];
                if (host.contains("target/")) {
                    // A build output: when missing, Docker would create a folder in its place (which then breaks the
                    // next Maven build), unless the mount says not to.
                    assertThat(volume.path("bind").path("create_host_path").isBoolean())
                            .as(host)
                            .isTrue();
                    assertThat(volume.path("bind").path("create_host_path").asBoolean())
                            .as(host)
                            .isFalse();
                } else if (host.startsWith("./")
                        && !host.contains("fleetsim-reports")
                        && !host.startsWith("./.fleetsim/")) {
                    assertThat(ROOT.resolve(host)).as(host).exists();
                }
            }
        }
        // A living fleet for the dashboard: the soak, started again when it ends.
        assertThat(services.get("fleetsim-run").path("restart").asText()).isEqualTo("unless-stopped");
        // The standalone stack is reachable from the host as it says: advertised host, published mTLS port.
        assertThat(services.get("fleetsim-local").get("command").toString()).contains("--advertised-host");
        assertThat(services.get("fleetsim-local").get("ports").toString()).contains("8883:8883");
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
    void dashboardsAreWellFormedAndQueryOnlyCatalogueMetersAndLabels() throws Exception {
        JsonNode datasources = YAML.readTree(
                ROOT.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        String uid = datasources.get("datasources").get(0).get("uid").asText();
        JsonNode provider = YAML.readTree(
                ROOT.resolve("grafana/provisioning/dashboards/fleetsim.yml").toFile());
        assertThat(provider.get("providers").get(0).get("options").get("path").asText())
                .isEqualTo("/var/lib/grafana/dashboards");
        List<Path> dashboards;
        try (var files = Files.list(ROOT.resolve("grafana/dashboards"))) {
            dashboards = files.filter(f -> f.toString().endsWith(".json")).toList();
        }
        assertThat(dashboards).isNotEmpty();
        Pattern metric = Pattern.compile("\\bfleetsim_[a-z_]+");
        Pattern grouping = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
        for (Path file : dashboards) {
            JsonNode d = JobsJson.mapper().readTree(file.toFile());
            assertThat(d.get("uid").asText()).hasSizeBetween(8, 40);
            assertThat(d.get("title").asText()).isNotBlank();
            // Grafana 11.1 (the compose file's) writes schema 39: a dashboard from another version is migrated on load.
            assertThat(d.get("schemaVersion").asInt()).isEqualTo(39);
            assertThat(Files.readString(ROOT.resolve("docker-compose.yml"))).contains("grafana/grafana:11.1.");
            // The data source is a template variable over Prometheus sources (the provisioned one is the default).
            JsonNode variables = d.get("templating").get("list");
            assertThat(variables.get(0).get("type").asText()).isEqualTo("datasource");
            assertThat(variables.get(0).get("query").asText()).isEqualTo("prometheus");
            assertThat(uid).isNotBlank();
            Pattern labelValues = Pattern.compile("label_values\\((fleetsim_[a-z_]+)[^,]*,\\s*([a-z_]+)\\)");
            for (JsonNode v : variables) {
                Matcher lv = labelValues.matcher(v.path("definition").asText());
                if (lv.find()) {
                    Meter meter = meterOfSeries(lv.group(1));
                    assertThat(meter).as(v.toString()).isNotNull();
                    assertThat(lv.group(2)).isIn(concat(meter.labels(), "instance"));
                }
            }
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : d.get("panels")) {
                assertThat(ids.add(panel.get("id").asInt()))
                        .as("unique panel id")
                        .isTrue();
                if (panel.get("type").asText().equals("row")) {
                    continue;
                }
                assertThat(panel.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
                assertThat(panel.path("fieldConfig")
                                .path("defaults")
                                .path("unit")
                                .asText())
                        .as("unit of panel %s", panel.get("title").asText())
                        .isNotBlank();
                for (JsonNode target : panel.get("targets")) {
                    assertThat(target.get("refId").asText()).isNotBlank();
                    String expr = target.get("expr").asText();
                    assertThat(balanced(expr)).as(expr).isTrue();
                    Set<String> labels = new HashSet<>(Set.of("le", "instance"));
                    Matcher m = metric.matcher(expr);
                    while (m.find()) {
                        Meter meter = meterOfSeries(m.group());
                        assertThat(meter)
                                .as("%s in %s is in the catalogue", m.group(), file.getFileName())
                                .isNotNull();
                        labels.addAll(meter.labels());
                    }
                    Matcher g = grouping.matcher(expr);
                    while (g.find()) {
                        for (String label : g.group(1).split(",")) {
                            assertThat(labels)
                                    .as("label '%s' of %s in %s", label.strip(), expr, file.getFileName())
                                    .contains(label.strip());
                        }
                    }
                }
            }
        }
    }

    private static List<String> concat(List<String> labels, String more) {
        List<String> all = new ArrayList<>(labels);
        all.add(more);
        return all;
    }

    /**
     * What a run's observer and a real local stack expose, before anything happens beyond a job being known and one
     * device request: every catalogue meter, with its help text and exactly its labels, and nothing else.
     */
    @Test
    void theExpositionIsTheCatalogue() throws Exception {
        RunObserver o = new RunObserver(Clock.systemUTC());
        o.runInfo("s", 1, 60);
        o.jobStarting("j", 0);
        StringBuilder text = new StringBuilder(o.registry().scrape());
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
                TestDevice device = TestDevice.connect("m-1", stack.mqttPort())) {
            device.publish("$next/get", "{}");
            device.await("$next/get/accepted");
            text.append(stack.jobs().scrape().get(10, TimeUnit.SECONDS));
        }
        Map<String, String> help = new HashMap<>();
        Matcher h = Pattern.compile("(?m)^# HELP (fleetsim_[a-z_]+) (.*)$").matcher(text);
        while (h.find()) {
            help.put(h.group(1), h.group(2));
        }
        Map<String, Set<String>> labelsOf = new HashMap<>();
        Matcher series =
                Pattern.compile("(?m)^(fleetsim_[a-z_]+)(?:\\{([^}]*)})? ").matcher(text);
        while (series.find()) {
            Set<String> labels = new TreeSet<>();
            if (series.group(2) != null) {
                Matcher l = Pattern.compile("([a-z_]+)=\"").matcher(series.group(2));
                while (l.find()) {
                    labels.add(l.group(1));
                }
            }
            labels.remove("le");
            Set<String> previous = labelsOf.putIfAbsent(series.group(1), labels);
            assertThat(previous == null ? labels : previous).as(series.group(1)).isEqualTo(labels);
        }
        for (Meter meter : Meter.values()) {
            assertThat(help).as(meter + " is exposed with help text").containsKey(meter.exposedName());
            assertThat(help.get(meter.exposedName())).isEqualTo(meter.help());
        }
        labelsOf.forEach((name, labels) -> {
            Meter meter = meterOfSeries(name);
            assertThat(meter).as(name + " is in the catalogue").isNotNull();
            assertThat(labels).as(name).isEqualTo(new TreeSet<>(meter.labels()));
        });
        assertThat(help.keySet())
                .allSatisfy(name -> assertThat(meterOfSeries(name)).as(name).isNotNull());
    }

    /** The catalogue meter a series name belongs to (a timer's {@code _bucket}, {@code _count}, {@code _sum}, {@code _max}). */
    private static Meter meterOfSeries(String name) {
        for (Meter meter : Meter.values()) {
            String family = meter.exposedName();
            if (name.equals(family)) {
                return meter;
            }
            if (meter.type() == Meter.Type.TIMER
                    && List.of("_bucket", "_count", "_sum", "_max").stream().anyMatch(s -> name.equals(family + s))) {
                return meter;
            }
        }
        return null;
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

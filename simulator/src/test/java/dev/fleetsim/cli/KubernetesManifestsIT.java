package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1Service;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * deploy/kubernetes as a cluster would take it: rendered by the real {@code kubectl kustomize}, every object parsed by
 * the Kubernetes API's own models (client-java, which refuses unknown and missing required fields), and every command
 * line in it, and the Dockerfile's, parsed by fleetsim's CLI. CI cannot pull base images, so the image is not built;
 * what is checked offline instead: the jar the Dockerfile copies is the one the build produces, and the image tag is
 * the project's version.
 */
class KubernetesManifestsIT {
    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The Kubernetes model class of each kind deploy/kubernetes uses; any other kind fails the test. */
    private static final Map<String, Parser> MODELS = Map.of(
            "ConfigMap", V1ConfigMap::fromJson,
            "Job", V1Job::fromJson,
            "Service", V1Service::fromJson,
            "NetworkPolicy", V1NetworkPolicy::fromJson,
            "PersistentVolumeClaim", V1PersistentVolumeClaim::fromJson,
            "Deployment", V1Deployment::fromJson);

    @FunctionalInterface
    interface Parser {
        Object parse(String json) throws IOException;
    }

    private static List<JsonNode> render(String folder) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl not installed (.ci/run installs Debian's)");
        Process p = new ProcessBuilder(
                        "kubectl", "kustomize", ROOT.resolve(folder).toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<JsonNode> docs = new ArrayList<>();
        try (var it = new YAMLMapper().readerFor(JsonNode.class).readValues(out)) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isNull() && n.size() > 0) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void parseStrictly(JsonNode doc) throws IOException {
        String kind = doc.path("kind").asText();
        assertThat(MODELS).as("a model for kind " + kind).containsKey(kind);
        MODELS.get(kind).parse(JSON.writeValueAsString(doc));
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> d.path("kind").asText().equals(kind)
                        && d.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static List<String> args(JsonNode podSpecOwner) {
        List<String> args = new ArrayList<>();
        podSpecOwner
                .path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0)
                .path("args")
                .forEach(a -> args.add(a.asText()));
        return args;
    }

    /** Parses a command line as the image's entrypoint would run it; returns the subcommand's object. */
    private static Object parse(List<String> args) {
        CommandLine.ParseResult result = FleetsimCommand.commandLine().parseArgs(args.toArray(String[]::new));
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return result.commandSpec().userObject();
    }

    @Test
    void everyRenderedObjectParsesStrictlyWithTheKubernetesModels() throws Exception {
        for (String folder : List.of("deploy/kubernetes", "deploy/kubernetes/with-local-stack")) {
            List<JsonNode> docs = render(folder);
            assertThat(docs).as(folder).hasSizeGreaterThanOrEqualTo(6);
            for (JsonNode doc : docs) {
                parseStrictly(doc);
            }
        }
        // The models are strict: a misspelt field fails, so the loop above could fail too.
        JsonNode job =
                find(render("deploy/kubernetes"), "Job", "fleetsim-shards").deepCopy();
        ((ObjectNode) job.path("spec")).put("completionz", 4);
        assertThatThrownBy(() -> parseStrictly(job)).hasMessageContaining("completionz");
    }

    @Test
    void theShardJobIsIndexedAndEachIndexRunsItsSliceOfTheCoordinatorsShardCount() throws Exception {
        List<JsonNode> docs = render("deploy/kubernetes");
        JsonNode shards = find(docs, "Job", "fleetsim-shards");
        JsonNode coordinator = find(docs, "Job", "fleetsim-coordinator");
        JsonNode service = find(docs, "Service", "fleetsim-coordinator");

        RunCommand coordinatorRun = (RunCommand) parse(args(coordinator));
        int n = coordinatorRun.sharding.shards;
        assertThat(coordinatorRun.sharding.role).isEqualTo("coordinator");
        assertThat(n).isPositive();
        assertThat(shards.path("spec").path("completionMode").asText()).isEqualTo("Indexed");
        assertThat(shards.path("spec").path("completions").asInt()).isEqualTo(n);
        assertThat(shards.path("spec").path("parallelism").asInt()).isEqualTo(n);
        assertThat(shards.path("spec").path("backoffLimitPerIndex").asInt()).isPositive();
        assertThat(shards.path("spec")
                        .path("template")
                        .path("spec")
                        .path("restartPolicy")
                        .asText())
                .as("backoffLimitPerIndex needs restartPolicy Never")
                .isEqualTo("Never");

        // The index comes from the pod's completion-index annotation, declared so $(…) expands in args.
        JsonNode env = shards.path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0)
                .path("env");
        assertThat(env.toString())
                .contains("JOB_COMPLETION_INDEX")
                .contains("batch.kubernetes.io/job-completion-index");

        // The coordinator's Service name and port are where the shards look for it, and what the stack advertises.
        String serviceName = service.path("metadata").path("name").asText();
        assertThat(service.path("spec").path("clusterIP").asText()).isEqualTo("None");
        assertThat(coordinatorRun.advertisedHost).isEqualTo(serviceName);
        assertThat(service.path("spec").path("ports").toString())
                .contains("\"port\":" + coordinatorRun.sharding.coordinatorPort);

        for (int i = 0; i < n; i++) {
            List<String> podArgs = new ArrayList<>();
            for (String a : args(shards)) {
                podArgs.add(a.replace("$(JOB_COMPLETION_INDEX)", Integer.toString(i)));
            }
            RunCommand shardRun = (RunCommand) parse(podArgs);
            assertThat(shardRun.sharding.role).isEqualTo("devices");
            assertThat(shardRun.sharding.shard).isEqualTo(i + "/" + n);
            assertThat(shardRun.sharding.coordinatorUrl)
                    .isEqualTo("http://" + serviceName + ":" + coordinatorRun.sharding.coordinatorPort);
            assertThat(shardRun.file).isEqualTo(coordinatorRun.file);
        }
    }

    @Test
    void theScenarioInTheConfigMapLoadsAndIsShardable() throws Exception {
        List<JsonNode> docs = render("deploy/kubernetes");
        JsonNode config = docs.stream()
                .filter(d -> d.path("kind").asText().equals("ConfigMap"))
                .findFirst()
                .orElseThrow();
        Path file = Files.createTempFile("k8s-scenario", ".yaml");
        try {
            Files.writeString(file, config.path("data").path("scenario.yaml").asText());
            Scenario scenario = ScenarioLoader.load(file, null);
            assertThat(scenario.fleet().tls())
                    .as("a sharded run connects over plain MQTT")
                    .isFalse();
            RunCommand coordinator = (RunCommand) parse(args(find(docs, "Job", "fleetsim-coordinator")));
            assertThat(scenario.fleet().count() / coordinator.sharding.shards)
                    .as("devices per shard within what one pod's memory limit holds")
                    .isBetween(1, 10_000);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void theLocalStackComponentsCommandLineParses() throws Exception {
        JsonNode local = find(render("deploy/kubernetes/with-local-stack"), "Deployment", "fleetsim-local");
        assertThat(parse(args(local))).isInstanceOf(LocalCommand.class);
    }

    @Test
    void theDockerfileRunsTheJarTheBuildProducesAndItsEntrypointParses() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher from = Pattern.compile("(?m)^FROM (\\S+)").matcher(dockerfile);
        assertThat(from.find()).isTrue();
        assertThat(from.group(1)).as("an official JRE 17 base image").startsWith("eclipse-temurin:17-jre");

        Matcher copy = Pattern.compile("(?m)^COPY (\\S+) (\\S+)").matcher(dockerfile);
        assertThat(copy.find()).isTrue();
        Path jar = ROOT.resolve(copy.group(1));
        assertThat(jar).as("the build's shaded jar").exists();
        try (JarFile j = new JarFile(jar.toFile())) {
            assertThat(j.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(FleetsimCommand.class.getName());
        }

        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])").matcher(dockerfile);
        assertThat(entry.find()).isTrue();
        List<String> entrypoint = new ArrayList<>();
        JSON.readTree(entry.group(1)).forEach(a -> entrypoint.add(a.asText()));
        assertThat(entrypoint).containsSubsequence("java", "-jar", copy.group(2));

        Matcher cmd = Pattern.compile("(?m)^CMD (\\[.*])").matcher(dockerfile);
        assertThat(cmd.find()).isTrue();
        List<String> cmdArgs = new ArrayList<>();
        JSON.readTree(cmd.group(1)).forEach(a -> cmdArgs.add(a.asText()));
        FleetsimCommand.commandLine().parseArgs(cmdArgs.toArray(String[]::new));

        // The image is fleetsim:VERSION: the Dockerfile's VERSION and the manifests' tag are the project's version.
        String version = FleetsimCommand.class.getPackage().getImplementationVersion();
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher v = Pattern.compile("<artifactId>fleetsim-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertThat(v.find()).isTrue();
        version = version != null ? version : v.group(1);
        assertThat(dockerfile).contains("ARG VERSION=" + version);
        assertThat(Files.readString(ROOT.resolve("deploy/kubernetes/base/kustomization.yaml")))
                .contains("newTag: " + version);
    }
}

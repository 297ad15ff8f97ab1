package dev.fleetsim.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads a scenario file and validates it into a {@link Scenario}. Every problem is reported at once, each with
 * {@code file:line:column}, the key path and a hint; unknown keys get "did you mean". The reference is
 * {@code scenarios/README.md}.
 */
public final class ScenarioLoader {
    /** Deepest nesting a scenario may have; a scenario needs about ten levels. */
    static final int MAX_NESTING = 50;

    /**
     * Bounds on what a YAML document may make the parser do: few aliases of collections (an alias bomb expands
     * exponentially), bounded nesting, no recursive keys, at most 3 MB.
     */
    static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setAllowRecursiveKeys(false);
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(3 * 1024 * 1024);
        return options;
    }

    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .loaderOptions(loaderOptions())
                    .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL) // "restartBroker:" alone is null
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ScenarioLoader() {}

    public static Scenario load(Path file) throws ScenarioException {
        return load(file, null);
    }

    /**
     * Loads a scenario that runs for {@code realDuration} of real time whatever its own {@code duration} says (a soak
     * of a chosen length: {@code fleetsim run --duration 8h}); series without {@code times} run until the end. Null
     * keeps the file's duration.
     */
    public static Scenario load(Path file, Duration realDuration) throws ScenarioException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(file + ": scenario file not found");
        } catch (IOException e) {
            throw new ScenarioException(file + ": cannot read the scenario file: " + e.getMessage());
        }
        if (text.isBlank()) {
            throw new ScenarioException(file + ": the scenario file is empty");
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ScenarioException(file + (l == null ? "" : ":" + l.getLineNr() + ":" + l.getColumnNr())
                    + ": not valid YAML: " + LoadContext.firstLine(e.getOriginalMessage()));
        }
        List<String> errors = new ArrayList<>();
        Scenario scenario = read(new Node(root, "", errors), new LoadContext(file, errors), realDuration);
        if (!errors.isEmpty()) {
            YamlLocations locations = YamlLocations.index(text);
            throw new ScenarioException(errors.stream()
                    .distinct() // two readers may find the same problem (a CreateJob key is checked by both)
                    .map(e -> at(file, locations, e.substring(0, Math.max(0, e.indexOf(": ")))) + ": " + e)
                    .collect(Collectors.joining(System.lineSeparator())));
        }
        return scenario;
    }

    /** Reads the sections in dependency order; each records its problems in the shared list. */
    private static Scenario read(Node top, LoadContext ctx, Duration realDuration) {
        if (!top.mapping(
                "name",
                "seed",
                "timeout",
                "duration",
                "target",
                "fleet",
                "cohorts",
                "artifacts",
                "jobs",
                "actions",
                "expect")) {
            top.error("a scenario is a mapping with at least name, fleet and jobs");
            return null;
        }
        String name = top.get("name").required();
        long seed = top.get("seed").integer(1, Long.MIN_VALUE, Long.MAX_VALUE);
        TargetSection.read(top.get("target"), ctx);
        Duration timeout = top.get("timeout").duration(Scenario.DEFAULT_TIMEOUT);
        Duration duration = top.get("duration").duration(null);
        if (realDuration != null) {
            // Real time asked for on the command line: the simulated duration at this time scale, and a timeout that
            // leaves the run its whole length (plus time to set up and to finish).
            duration = Duration.ofNanos((long) (realDuration.toNanos() * ctx.timeScale));
            Duration needed = realDuration.plus(Duration.ofMinutes(5));
            if (timeout.compareTo(needed) < 0) {
                timeout = needed;
            }
        }
        ctx.duration = duration;
        Scenario.FleetSpec fleet = FleetSection.read(top.get("fleet"), ctx);
        List<Scenario.CohortSpec> cohorts = CohortsSection.read(top.get("cohorts"), ctx);
        List<Scenario.ArtifactSpec> artifacts = ArtifactsSection.read(top.get("artifacts"), ctx);
        int errorsBeforeJobs = ctx.errors.size();
        List<Scenario.JobSpec> jobs = JobsSection.read(top.get("jobs"), ctx);
        boolean jobsSectionFine = ctx.errors.size() == errorsBeforeJobs;
        List<Scenario.ActionSpec> actions = ActionsSection.read(top.get("actions"), ctx);
        List<Scenario.Expectation> expectations = ExpectationsSection.read(top.get("expect"), ctx);
        if (jobs.isEmpty() && duration == null && jobsSectionFine) {
            // Nothing to roll out and nothing to wait for: a run would pass at once, having tested nothing.
            top.get("jobs").error("list at least one job, or set a duration (a fleet that only connects)");
        }
        if (!ctx.errors.isEmpty()) {
            return null;
        }
        return new Scenario(
                ctx.file,
                name,
                seed,
                ctx.timeScale,
                ctx.rateIncrease,
                ctx.retention,
                timeout,
                duration,
                fleet,
                new ArrayList<>(ctx.groups.values()),
                cohorts,
                artifacts,
                jobs,
                actions,
                expectations,
                ctx.iotCore);
    }

    /** {@code file:line:column} of a key path, or {@code file} when the path is not in the document. */
    private static String at(Path file, YamlLocations locations, String path) {
        YamlLocations.Location location = locations.find(path);
        return location == null ? file.toString() : file + ":" + location;
    }
}

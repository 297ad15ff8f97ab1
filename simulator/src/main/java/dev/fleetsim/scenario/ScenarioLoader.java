package dev.fleetsim.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.jobs.CreateJobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a scenario file and validates it into a {@link Scenario}. Syntax and type errors name file, line and column;
 * semantic errors name file and key path, and all of them are reported at once.
 */
public final class ScenarioLoader {
    /** Largest fleet a scenario may ask for in one process. */
    public static final int MAX_DEVICES = 1_000_000;

    private static final Pattern THING_ARN = Pattern.compile("arn:aws[a-z-]*:iot:[^:]*:[^:]*:thing/(.+)");
    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ScenarioLoader() {}

    public static Scenario load(Path file) throws ScenarioException {
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
        YamlLocations locations = YamlLocations.index(text);
        ScenarioFile raw;
        try {
            raw = YAML.readValue(text, ScenarioFile.class);
        } catch (JsonProcessingException e) {
            throw new ScenarioException(describe(file, locations, e));
        }
        return validate(file, locations, raw);
    }

    private static Scenario validate(Path file, YamlLocations locations, ScenarioFile raw) throws ScenarioException {
        List<String> errors = new ArrayList<>();
        if (raw.name() == null || raw.name().isBlank()) {
            errors.add("name: must not be empty");
        }
        Duration timeout = duration(raw.timeout(), Scenario.DEFAULT_TIMEOUT, "timeout", errors);
        if (timeout.isZero() || timeout.isNegative()) {
            errors.add("timeout: must be positive");
        }

        ScenarioFile.Fleet f = raw.fleet();
        int count = f.count() == null ? 0 : f.count();
        if (count < 1 || count > MAX_DEVICES) {
            errors.add("fleet.count: must be between 1 and " + MAX_DEVICES + ", not " + count);
        }
        String pattern = f.thingNamePattern() == null ? Scenario.FleetSpec.DEFAULT_PATTERN : f.thingNamePattern();
        Set<String> thingNames = new HashSet<>();
        try {
            for (int i = 0; i < Math.max(0, Math.min(count, MAX_DEVICES)); i++) {
                String name = String.format(pattern, i);
                if (!JobsTopic.isValidThingName(name)) {
                    errors.add("fleet.thingNamePattern: gives '" + name
                            + "', not a valid thing name (1-128 of a-z A-Z 0-9 : _ -)");
                    break;
                }
                thingNames.add(name);
            }
            if (count > 0 && thingNames.size() > 0 && thingNames.size() < count) {
                errors.add("fleet.thingNamePattern: gives duplicate names; include the index, e.g. sim-%05d");
            }
        } catch (IllegalFormatException e) {
            errors.add("fleet.thingNamePattern: '" + pattern + "' is not a format for one integer, e.g. sim-%05d");
        }
        int connectRate = f.connectRate() == null ? Scenario.FleetSpec.DEFAULT_CONNECT_RATE : f.connectRate();
        if (connectRate < 1) {
            errors.add("fleet.connectRate: must be at least 1 connect per second");
        }
        Duration installTime =
                duration(f.installTime(), Scenario.FleetSpec.DEFAULT_INSTALL_TIME, "fleet.installTime", errors);

        List<Scenario.JobSpec> jobs = new ArrayList<>();
        Set<String> jobIds = new HashSet<>();
        if (raw.jobs().isEmpty()) {
            errors.add("jobs: list at least one job");
        }
        for (int i = 0; i < raw.jobs().size(); i++) {
            jobs.add(job(raw.jobs().get(i), "jobs[" + i + "]", jobIds, thingNames, errors));
        }
        if (!errors.isEmpty()) {
            throw new ScenarioException(errors.stream()
                    .map(e -> at(file, locations, e.substring(0, Math.max(0, e.indexOf(": ")))) + ": " + e)
                    .collect(Collectors.joining(System.lineSeparator())));
        }
        return new Scenario(
                file, raw.name(), timeout, new Scenario.FleetSpec(count, pattern, connectRate, installTime), jobs);
    }

    private static Scenario.JobSpec job(
            ScenarioFile.Job job, String at, Set<String> jobIds, Set<String> fleet, List<String> errors) {
        if (!JobsTopic.isValidJobId(job.jobId())) {
            errors.add(at + ".jobId: '" + job.jobId() + "' must be 1-64 of a-z A-Z 0-9 _ -");
        } else if (!jobIds.add(job.jobId())) {
            errors.add(at + ".jobId: '" + job.jobId() + "' is used by an earlier job");
        }
        String document = document(job.document(), at + ".document", errors);
        List<String> targets = new ArrayList<>();
        if (job.targets() != null) {
            if (job.targets().isEmpty()) {
                errors.add(at + ".targets: list at least one target, or leave the key out to target the whole fleet");
            }
            for (String target : job.targets()) {
                Matcher arn = THING_ARN.matcher(target == null ? "" : target);
                String name = arn.matches() ? arn.group(1) : target;
                if (!fleet.contains(name)) {
                    errors.add(at + ".targets: '" + target + "' is not a thing of this fleet");
                }
                targets.add(name);
            }
        }
        return new Scenario.JobSpec(job.jobId(), job.description(), document, targets);
    }

    /** A CreateJob document: an object in YAML, or JSON text holding an object. */
    private static String document(JsonNode node, String at, List<String> errors) {
        if (node == null || node.isNull()) {
            errors.add(at + ": required; give the job document as an object or as JSON text");
            return "{}";
        }
        String text;
        if (node.isTextual()) {
            text = node.textValue();
            try {
                if (!JobsJson.readTree(text).isObject()) {
                    errors.add(at + ": the JSON text must hold an object");
                }
            } catch (IllegalArgumentException e) {
                errors.add(at + ": " + e.getMessage());
            }
        } else if (node.isObject()) {
            text = node.toString();
        } else {
            errors.add(at + ": must be an object or JSON text");
            return "{}";
        }
        if (text.length() > CreateJobSpec.MAX_DOCUMENT_CHARS) {
            errors.add(
                    at + ": " + text.length() + " characters; AWS allows at most " + CreateJobSpec.MAX_DOCUMENT_CHARS);
        }
        return text;
    }

    private static Duration duration(String text, Duration fallback, String at, List<String> errors) {
        if (text == null) {
            return fallback;
        }
        try {
            return Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
            errors.add(at + ": " + e.getMessage());
            return fallback;
        }
    }

    /** {@code file:line:column} of a key path, or {@code file} when the path is not in the document. */
    private static String at(Path file, YamlLocations locations, String path) {
        YamlLocations.Location location = locations.find(path);
        return location == null ? file.toString() : file + ":" + location;
    }

    /** One line: {@code file:line:column: what is wrong}. */
    private static String describe(Path file, YamlLocations locations, JsonProcessingException e) {
        String path = e instanceof JsonMappingException m ? path(m) : "";
        JsonLocation location = e.getLocation();
        String where = !path.isEmpty() && locations.find(path) != null
                ? at(file, locations, path)
                : file
                        + (location == null || location.getLineNr() < 0
                                ? ""
                                : ":" + location.getLineNr() + ":" + location.getColumnNr());
        String what;
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds().stream()
                    .map(Object::toString)
                    .sorted()
                    .collect(Collectors.joining(", "));
            String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "the top level";
            what = "unknown key '" + u.getPropertyName() + "' in " + parent + "; known keys: " + known;
        } else if (e instanceof MismatchedInputException mi && mi.getMessage().startsWith("Missing required")) {
            what = path.isEmpty() ? "a required key is missing" : path + ": required key is missing";
            String missing = between(mi.getOriginalMessage(), "'", "'");
            if (missing != null) {
                String parent = path.endsWith(missing) ? path.substring(0, path.length() - missing.length()) : path;
                parent = parent.endsWith(".") ? parent.substring(0, parent.length() - 1) : parent;
                what = "required key '" + missing + "' is missing" + (parent.isEmpty() ? "" : " in " + parent);
            }
        } else if (e instanceof MismatchedInputException mi) {
            String value = mi instanceof InvalidFormatException f ? " '" + f.getValue() + "'" : "";
            what = (path.isEmpty() ? "" : path + ": ") + "expected " + expected(mi.getTargetType()) + ", found"
                    + (value.isEmpty() ? " something else" : value);
        } else {
            what = "not valid YAML: " + firstLine(e.getOriginalMessage());
        }
        return where + ": " + what;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == String.class) {
            return "text";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping of keys to values";
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String between(String text, String open, String close) {
        int a = text.indexOf(open);
        int b = a < 0 ? -1 : text.indexOf(close, a + 1);
        return b < 0 ? null : text.substring(a + 1, b);
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}

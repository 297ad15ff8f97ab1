package dev.fleetsim.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RateIncrease;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IllegalFormatException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iot.model.CreateJobRequest;

/**
 * Reads a scenario file and validates it into a {@link Scenario}. Every problem is reported at once, each with
 * {@code file:line:column}, the key path and a hint; unknown keys get "did you mean". The reference is
 * {@code scenarios/README.md}.
 */
public final class ScenarioLoader {
    /** Largest fleet a scenario may ask for in one process. */
    public static final int MAX_DEVICES = 1_000_000;

    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");
    private static final ObjectMapper YAML =
            YAMLMapper.builder(new YAMLFactory()).build();
    private static final Set<String> EXECUTION_STATUSES =
            Set.of("QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED", "REMOVED");
    private static final Set<String> JOB_STATUSES =
            Set.of("IN_PROGRESS", "CANCELED", "COMPLETED", "DELETION_IN_PROGRESS", "SCHEDULED");
    static final Set<String> PHASES =
            Set.of("connect", "notify-to-start", "download", "install", "report", "end-to-end");

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
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ScenarioException(file + (l == null ? "" : ":" + l.getLineNr() + ":" + l.getColumnNr())
                    + ": not valid YAML: " + firstLine(e.getOriginalMessage()));
        }
        List<String> errors = new ArrayList<>();
        Scenario scenario = new Reader(file, errors).read(new Node(root, "", errors));
        if (!errors.isEmpty()) {
            YamlLocations locations = YamlLocations.index(text);
            throw new ScenarioException(errors.stream()
                    .map(e -> at(file, locations, e.substring(0, Math.max(0, e.indexOf(": ")))) + ": " + e)
                    .collect(Collectors.joining(System.lineSeparator())));
        }
        return scenario;
    }

    /** One pass over the tree, collecting errors. */
    private static final class Reader {
        private final Path file;
        private final List<String> errors;
        private double timeScale = 1;
        private RateIncrease rateIncrease = RateIncrease.NEXT_MINUTE;
        private int count;
        private final Map<String, Scenario.GroupSpec> groups = new LinkedHashMap<>();
        private final Map<String, Scenario.CohortSpec> cohorts = new LinkedHashMap<>();
        private final Set<String> artifactNames = new HashSet<>();
        private final Set<String> jobIds = new HashSet<>();
        private final Set<String> thingNames = new HashSet<>();

        Reader(Path file, List<String> errors) {
            this.file = file;
            this.errors = errors;
        }

        Scenario read(Node top) {
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
            target(top.get("target"));
            Duration timeout = top.get("timeout").duration(Scenario.DEFAULT_TIMEOUT);
            Duration duration = top.get("duration").duration(null);
            Scenario.FleetSpec fleet = fleet(top.get("fleet"));
            List<Scenario.CohortSpec> cohortList = cohorts(top.get("cohorts"));
            List<Scenario.ArtifactSpec> artifacts = artifacts(top.get("artifacts"));
            List<Scenario.JobSpec> jobs = jobs(top.get("jobs"));
            List<Scenario.ActionSpec> actions = actions(top.get("actions"));
            List<Scenario.Expectation> expectations = expectations(top.get("expect"));
            if (jobs.isEmpty() && duration == null && !top.get("jobs").isMissing()) {
                top.get("jobs").error("list at least one job, or set a duration");
            }
            if (!errors.isEmpty()) {
                return null;
            }
            return new Scenario(
                    file,
                    name,
                    seed,
                    timeScale,
                    rateIncrease,
                    timeout,
                    duration,
                    fleet,
                    new ArrayList<>(groups.values()),
                    cohortList,
                    artifacts,
                    jobs,
                    actions,
                    expectations);
        }

        private void target(Node target) {
            if (target.isMissing() || !target.mapping("local", "iot-core")) {
                return;
            }
            if (target.has("iot-core")) {
                target.get("iot-core")
                        .error("running against AWS IoT Core is reserved for a later release; use"
                                + " 'local' for now");
                target.get("iot-core").mapping("endpoint", "region", "profile");
            }
            Node local = target.get("local");
            if (local.mapping("timeScale", "rolloutRateIncrease")) {
                Node scale = local.get("timeScale");
                double s = scale.number(1);
                if (!(s > 0) || s > 3600) {
                    scale.error("must be above 0 and at most 3600 (simulated seconds per real second)");
                } else {
                    timeScale = s;
                }
                rateIncrease = local.get("rolloutRateIncrease").oneOf(RateIncrease.NEXT_MINUTE, RateIncrease.class);
            }
        }

        private Scenario.FleetSpec fleet(Node f) {
            if (f.isMissing()) {
                f.error("required: the fleet's count at least");
                return null;
            }
            if (!f.mapping("count", "thingNamePattern", "startIndex", "connectRate", "rampUp", "groups", "tls")) {
                return null;
            }
            count = (int) f.get("count").integer(0, 1, MAX_DEVICES);
            if (!f.has("count")) {
                f.get("count").error("required");
            }
            String pattern = f.get("thingNamePattern").text(Scenario.FleetSpec.DEFAULT_PATTERN);
            int start = (int) f.get("startIndex").integer(0, 0, Integer.MAX_VALUE);
            int rate = (int) f.get("connectRate").integer(Scenario.FleetSpec.DEFAULT_CONNECT_RATE, 1, 1_000_000);
            Duration ramp = f.get("rampUp").duration(Duration.ZERO);
            boolean tls = f.get("tls").bool(false);
            Scenario.FleetSpec spec = new Scenario.FleetSpec(count, pattern, start, rate, ramp, tls);
            try {
                for (int i = 0; i < count; i++) {
                    String thing = spec.thingName(i);
                    if (!JobsTopic.isValidThingName(thing)) {
                        f.get("thingNamePattern")
                                .error("gives '" + thing + "', not a valid thing name (1-128 of a-z A-Z 0-9 : _ -)");
                        break;
                    }
                    thingNames.add(thing);
                }
                if (count > 0 && !thingNames.isEmpty() && thingNames.size() < count) {
                    f.get("thingNamePattern").error("gives duplicate names; include the index, e.g. sim-%05d");
                }
            } catch (IllegalFormatException e) {
                f.get("thingNamePattern").error("'" + pattern + "' is not a format for one integer, e.g. sim-%05d");
            }
            int next = 0;
            for (Node g : f.get("groups").list()) {
                if (!g.mapping("name", "share", "count", "range")) {
                    continue;
                }
                String name = g.get("name").required();
                int[] range = range(g, next);
                if (name != null && !name.matches("[a-zA-Z0-9:_-]{1,128}")) {
                    g.get("name").error("a thing group name is 1-128 of a-z A-Z 0-9 : _ -");
                } else if (name != null && groups.containsKey(name)) {
                    g.get("name").error("'" + name + "' is defined twice");
                } else if (name != null && range != null) {
                    groups.put(name, new Scenario.GroupSpec(name, range[0], range[1]));
                    next = Math.max(next, range[1]);
                }
            }
            return spec;
        }

        /** [from, to) of devices by {@code share}, {@code count} or {@code range} (inclusive "a-b"), from {@code next}. */
        private int[] range(Node n, int next) {
            int given = (n.has("share") ? 1 : 0) + (n.has("count") ? 1 : 0) + (n.has("range") ? 1 : 0);
            if (given != 1) {
                n.error("give exactly one of share, count or range");
                return null;
            }
            if (n.has("range")) {
                String text = n.get("range").text("");
                Matcher m = RANGE.matcher(text.trim());
                if (!m.matches()) {
                    n.get("range").error("write device indexes as 'first-last', e.g. 0-99");
                    return null;
                }
                int a = Integer.parseInt(m.group(1));
                int b = Integer.parseInt(m.group(2));
                if (a > b || b >= count) {
                    n.get("range").error("must lie within 0-" + (count - 1) + " with first <= last");
                    return null;
                }
                return new int[] {a, b + 1};
            }
            int size = n.has("count")
                    ? (int) n.get("count").integer(0, 1, Math.max(1, count))
                    : (int) Math.round(n.get("share").fraction(0) * count);
            if (next + size > count) {
                (n.has("count") ? n.get("count") : n.get("share"))
                        .error("the shares and counts so far add up to more than the fleet's " + count + " devices");
                return null;
            }
            return new int[] {next, next + size};
        }

        private List<Scenario.CohortSpec> cohorts(Node list) {
            List<Scenario.CohortSpec> out = new ArrayList<>();
            int next = 0;
            for (Node c : list.list()) {
                if (!c.mapping(
                        "name",
                        "share",
                        "count",
                        "range",
                        "group",
                        "outcomes",
                        "download",
                        "install",
                        "reboot",
                        "rebootDuringInstall",
                        "crashMidDownload",
                        "bandwidth",
                        "progressStep")) {
                    continue;
                }
                String name = c.get("name").required();
                int[] range;
                if (c.has("group")) {
                    String group = c.get("group").text("");
                    Scenario.GroupSpec g = groups.get(group);
                    if (g == null) {
                        String hint = DidYouMean.closest(group, groups.keySet());
                        c.get("group")
                                .error("no group '" + group + "' in fleet.groups"
                                        + (hint == null ? "" : "; did you mean '" + hint + "'?"));
                        range = null;
                    } else {
                        range = new int[] {g.from(), g.to()};
                    }
                } else {
                    range = range(c, next);
                    if (range != null) {
                        next = range[1];
                    }
                }
                Node o = c.get("outcomes");
                double succeed = 1;
                double fail = 0;
                double reject = 0;
                double hang = 0;
                if (o.mapping("succeed", "fail", "reject", "hang")) {
                    succeed = o.get("succeed").number(0);
                    fail = o.get("fail").number(0);
                    reject = o.get("reject").number(0);
                    hang = o.get("hang").number(0);
                    if (succeed + fail + reject + hang <= 0) {
                        o.error("give at least one positive weight of succeed, fail, reject or hang");
                        succeed = 1;
                    }
                }
                Distribution download = distribution(c.get("download"), Duration.ZERO);
                Distribution install = distribution(c.get("install"), Duration.ofSeconds(1));
                Distribution reboot = distribution(c.get("reboot"), Duration.ofSeconds(5));
                double rebootDuring = c.get("rebootDuringInstall").fraction(0);
                double crash = c.get("crashMidDownload").fraction(0);
                long bandwidth = c.get("bandwidth").bitRate(0);
                int progress = (int) Math.round(c.get("progressStep").fraction(0) * 100);
                if (name != null && cohorts.containsKey(name)) {
                    c.get("name").error("'" + name + "' is defined twice");
                }
                if (name != null && range != null) {
                    Behaviour behaviour = new Behaviour(
                            name, succeed, fail, reject, hang, download, install, rebootDuring, crash, reboot);
                    Scenario.CohortSpec spec =
                            new Scenario.CohortSpec(name, range[0], range[1], behaviour, bandwidth, progress);
                    cohorts.put(name, spec);
                    out.add(spec);
                }
            }
            return out;
        }

        /** A duration, or {uniform: [a, b]}, {normal: {mean, stddev}}, {lognormal: {median, sigma}}, {exponential: m}. */
        private Distribution distribution(Node n, Duration fallback) {
            if (n.isMissing()) {
                return Distribution.fixed(scaled(fallback));
            }
            if (n.json().isValueNode()) {
                return Distribution.fixed(scaled(n.duration(fallback)));
            }
            if (!n.mapping("fixed", "uniform", "normal", "lognormal", "exponential")
                    || n.json().size() != 1) {
                n.error("give one of fixed, uniform, normal, lognormal or exponential");
                return Distribution.fixed(scaled(fallback));
            }
            if (n.has("fixed")) {
                return Distribution.fixed(scaled(n.get("fixed").duration(fallback)));
            }
            if (n.has("exponential")) {
                return new Distribution.Exponential(scaled(n.get("exponential").duration(fallback)));
            }
            if (n.has("uniform")) {
                List<Node> bounds = n.get("uniform").list();
                if (bounds.size() != 2) {
                    n.get("uniform").error("write [min, max], e.g. [1s, 5s]");
                    return Distribution.fixed(scaled(fallback));
                }
                Duration a = bounds.get(0).duration(fallback);
                Duration b = bounds.get(1).duration(fallback);
                if (a.compareTo(b) > 0) {
                    n.get("uniform").error("min must not exceed max");
                    return Distribution.fixed(scaled(fallback));
                }
                return new Distribution.Uniform(scaled(a), scaled(b));
            }
            if (n.has("normal")) {
                Node p = n.get("normal");
                p.mapping("mean", "stddev");
                return new Distribution.Normal(
                        scaled(p.get("mean").duration(fallback)),
                        scaled(p.get("stddev").duration(Duration.ZERO)));
            }
            Node p = n.get("lognormal");
            p.mapping("median", "sigma");
            double sigma = p.get("sigma").number(0.5);
            return new Distribution.LogNormal(scaled(p.get("median").duration(fallback)), sigma);
        }

        private Duration scaled(Duration simulated) {
            return Duration.ofNanos((long) (simulated.toNanos() / timeScale));
        }

        private List<Scenario.ArtifactSpec> artifacts(Node list) {
            List<Scenario.ArtifactSpec> out = new ArrayList<>();
            for (Node a : list.list()) {
                if (!a.mapping("name", "size", "file", "signed", "bucket", "key")) {
                    continue;
                }
                String name = a.get("name").required();
                if (name != null && !artifactNames.add(name)) {
                    a.get("name").error("'" + name + "' is defined twice");
                }
                long size = a.get("size").bytes(-1);
                Path path = null;
                if (a.has("file")) {
                    path = file.toAbsolutePath()
                            .getParent()
                            .resolve(a.get("file").text(""));
                    if (!Files.isRegularFile(path)) {
                        a.get("file").error("no such file: " + path);
                    }
                }
                if ((size >= 0) == (path != null)) {
                    a.error("give exactly one of size (a generated artifact) or file");
                }
                if (size > 8L * 1024 * 1024 * 1024) {
                    a.get("size").error("at most 8GiB");
                }
                String bucket = a.get("bucket").text("fleetsim-artifacts");
                if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                    a.get("bucket").error("an S3 bucket name is 3-63 of a-z 0-9 . -");
                }
                String key = a.get("key").text(name == null ? "artifact" : name);
                out.add(new Scenario.ArtifactSpec(
                        name, bucket, key, size, path, a.get("signed").bool(false)));
            }
            return out;
        }

        private List<Scenario.JobSpec> jobs(Node list) {
            if (list.isMissing()) {
                return List.of();
            }
            List<Scenario.JobSpec> out = new ArrayList<>();
            Set<String> fields = new HashSet<>(AwsShapes.createJobFields().keySet());
            fields.add("at");
            fields.add("artifact");
            fields.add("every");
            fields.add("times");
            for (Node j : list.list()) {
                if (!j.mapping(fields.toArray(String[]::new))) {
                    continue;
                }
                String jobId = j.get("jobId").required();
                if (jobId != null && !JobsTopic.isValidJobId(jobId)) {
                    j.get("jobId").error("'" + jobId + "' must be 1-64 of a-z A-Z 0-9 _ -");
                } else if (jobId != null && !jobIds.add(jobId)) {
                    j.get("jobId").error("'" + jobId + "' is used by an earlier job");
                }
                Duration at = j.get("at").duration(Duration.ZERO);
                String artifact = j.get("artifact").text(null);
                if (artifact != null && !artifactNames.contains(artifact)) {
                    String hint = DidYouMean.closest(artifact, artifactNames);
                    j.get("artifact")
                            .error("no artifact '" + artifact + "' in artifacts"
                                    + (hint == null ? "" : "; did you mean '" + hint + "'?"));
                }
                Duration every = j.get("every").duration(null);
                int times = (int) j.get("times").integer(every == null ? 1 : 0, 1, 10_000);
                if (every != null && !j.has("times")) {
                    j.get("times").error("required with every: how many jobs in the series, e.g. 24");
                }
                if (j.has("times") && every == null) {
                    j.get("every").error("required with times: the interval between jobs, e.g. 1h");
                }
                ObjectNode request = ((ObjectNode) j.json()).deepCopy();
                request.remove("at");
                request.remove("artifact");
                request.remove("targets");
                request.remove("every");
                request.remove("times");
                JsonNode document = request.get("document");
                if (document != null && document.isObject()) {
                    request.put("document", document.toString()); // CreateJob takes the document as JSON text
                }
                if (document == null && !request.has("jobTemplateArn")) {
                    j.error("give a document or a jobTemplateArn");
                } else if (document != null) {
                    document(j.get("document"), request.get("document").asText());
                }
                List<String> checks = new ArrayList<>();
                AwsShapes.check(request, createJobBuilder(), j.path(), checks);
                errors.addAll(checks);
                if (checks.isEmpty()) {
                    try {
                        AwsShapes.createJob(request);
                    } catch (IllegalArgumentException e) {
                        j.error("not a valid CreateJob request: " + firstLine(e.getMessage()));
                    }
                }
                List<String> targets = new ArrayList<>();
                for (Node t : j.get("targets").list()) {
                    String target = t.text("");
                    String nameOnly = target.replaceAll("^arn:aws[a-z-]*:iot:[^:]*:[^:]*:(thing|thinggroup)/", "");
                    if (!thingNames.contains(nameOnly) && !groups.containsKey(nameOnly)) {
                        String hint = DidYouMean.closest(nameOnly, groups.keySet());
                        t.error("'" + target + "' is neither a thing of this fleet nor a group in fleet.groups"
                                + (hint == null ? "" : "; did you mean '" + hint + "'?"));
                    }
                    targets.add(target);
                }
                if (j.has("targets") && targets.isEmpty()) {
                    j.get("targets").error("list at least one target, or leave the key out to target the fleet");
                }
                if (jobId != null && times <= 1) {
                    out.add(new Scenario.JobSpec(jobId, at, request, artifact, targets));
                } else if (jobId != null) {
                    // A recurring job: jobId-1 … jobId-N, every interval.
                    for (int n = 1; n <= times; n++) {
                        String id = jobId + "-" + n;
                        if (!JobsTopic.isValidJobId(id)) {
                            j.get("jobId").error("'" + id + "' (with the series number) is over 64 characters");
                            break;
                        }
                        jobIds.add(id);
                        ObjectNode copy = request.deepCopy();
                        copy.put("jobId", id);
                        out.add(new Scenario.JobSpec(id, at.plus(every.multipliedBy(n - 1)), copy, artifact, targets));
                    }
                }
            }
            return out;
        }

        private static Type createJobBuilder() {
            return CreateJobRequest.serializableBuilderClass();
        }

        private void document(Node at, String text) {
            try {
                if (!JobsJson.readTree(text).isObject()) {
                    at.error("the document must be a JSON object");
                }
            } catch (IllegalArgumentException e) {
                at.error(e.getMessage());
            }
            if (text.length() > JobConfig.MAX_DOCUMENT_CHARS) {
                at.error(text.length() + " characters; AWS allows at most " + JobConfig.MAX_DOCUMENT_CHARS);
            }
        }

        private List<Scenario.ActionSpec> actions(Node list) {
            List<Scenario.ActionSpec> out = new ArrayList<>();
            for (Node a : list.list()) {
                if (!a.mapping(
                        "at",
                        "every",
                        "times",
                        "cancelJob",
                        "addThingsToGroup",
                        "offline",
                        "disconnectStorm",
                        "restartBroker")) {
                    continue;
                }
                int before = out.size();
                Duration every = a.get("every").duration(null);
                int times = (int) a.get("times").integer(1, 1, 100_000);
                if ((every == null) != !a.has("times")) {
                    a.error("every and times go together: e.g. every: 10m, times: 6");
                }
                Duration at = a.get("at").duration(null);
                if (at == null) {
                    a.get("at").error("required: when the action happens, e.g. 5m");
                    at = Duration.ZERO;
                }
                int kinds = a.json().size() - 1 - (a.has("every") ? 1 : 0) - (a.has("times") ? 1 : 0);
                if (kinds != 1) {
                    a.error("give exactly one of cancelJob, addThingsToGroup, offline, disconnectStorm or"
                            + " restartBroker");
                    continue;
                }
                if (a.has("cancelJob")) {
                    Node c = a.get("cancelJob");
                    c.mapping("jobId", "force", "comment");
                    String jobId = c.get("jobId").required();
                    if (jobId != null && !jobIds.contains(jobId)) {
                        c.get("jobId").error("no job '" + jobId + "' in jobs");
                    }
                    out.add(new Scenario.ActionSpec.CancelJob(
                            at,
                            jobId,
                            c.get("force").bool(false),
                            c.get("comment").text(null)));
                } else if (a.has("addThingsToGroup")) {
                    Node g = a.get("addThingsToGroup");
                    g.mapping("group", "share", "count", "range");
                    String group = g.get("group").required();
                    int[] range = range(g, 0);
                    if (group != null && range != null) {
                        out.add(new Scenario.ActionSpec.AddThingsToGroup(at, group, range[0], range[1]));
                    }
                } else if (a.has("offline")) {
                    Node o = a.get("offline");
                    o.mapping("cohort", "share", "count", "range", "for");
                    int[] range;
                    if (o.has("cohort")) {
                        Scenario.CohortSpec c = cohorts.get(o.get("cohort").text(""));
                        if (c == null) {
                            o.get("cohort")
                                    .error("no cohort '" + o.get("cohort").text("") + "' in cohorts");
                            continue;
                        }
                        range = new int[] {c.from(), c.to()};
                    } else {
                        range = range(o, 0);
                    }
                    Duration d = o.get("for").duration(null);
                    if (d == null) {
                        o.get("for").error("required: how long the devices stay offline, e.g. 2m");
                        continue;
                    }
                    if (range != null) {
                        out.add(new Scenario.ActionSpec.Offline(at, range[0], range[1], d));
                    }
                } else if (a.has("restartBroker")) {
                    Node r = a.get("restartBroker");
                    r.mapping("for");
                    out.add(new Scenario.ActionSpec.RestartBroker(
                            at, r.get("for").duration(Duration.ofSeconds(10))));
                } else {
                    Node s = a.get("disconnectStorm");
                    s.mapping("share", "for");
                    out.add(new Scenario.ActionSpec.DisconnectStorm(
                            at, s.get("share").fraction(0.1), s.get("for").duration(Duration.ofSeconds(30))));
                }
                if (every != null && out.size() > before) {
                    Scenario.ActionSpec first = out.get(out.size() - 1);
                    for (int n = 1; n < times; n++) {
                        out.add(repeat(first, at.plus(every.multipliedBy(n))));
                    }
                }
            }
            return out;
        }

        private static Scenario.ActionSpec repeat(Scenario.ActionSpec a, Duration at) {
            if (a instanceof Scenario.ActionSpec.CancelJob c) {
                return new Scenario.ActionSpec.CancelJob(at, c.jobId(), c.force(), c.comment());
            }
            if (a instanceof Scenario.ActionSpec.AddThingsToGroup g) {
                return new Scenario.ActionSpec.AddThingsToGroup(at, g.group(), g.from(), g.to());
            }
            if (a instanceof Scenario.ActionSpec.Offline o) {
                return new Scenario.ActionSpec.Offline(at, o.from(), o.to(), o.duration());
            }
            if (a instanceof Scenario.ActionSpec.RestartBroker r) {
                return new Scenario.ActionSpec.RestartBroker(at, r.duration());
            }
            Scenario.ActionSpec.DisconnectStorm d = (Scenario.ActionSpec.DisconnectStorm) a;
            return new Scenario.ActionSpec.DisconnectStorm(at, d.share(), d.duration());
        }

        private List<Scenario.Expectation> expectations(Node list) {
            List<Scenario.Expectation> out = new ArrayList<>();
            for (Node e : list.list()) {
                if (e.has("latency")) {
                    Node l = e.get("latency");
                    e.mapping("latency");
                    l.mapping("phase", "p50", "p90", "p99", "p99.9", "max");
                    String phase = l.get("phase").required();
                    if (phase != null && !PHASES.contains(phase)) {
                        String hint = DidYouMean.closest(phase, PHASES);
                        l.get("phase")
                                .error("unknown phase '" + phase + "'"
                                        + (hint == null
                                                ? "; phases: " + String.join(", ", PHASES)
                                                : "; did you mean '" + hint + "'?"));
                    }
                    for (String p : List.of("p50", "p90", "p99", "p99.9", "max")) {
                        if (l.has(p)) {
                            Scenario.Bound b = l.get(p).bound();
                            if (b != null && !b.percent()) {
                                // A simulated duration, like every time in a scenario; latencies are measured real.
                                b = new Scenario.Bound(b.op(), b.value() / timeScale, false);
                            }
                            double percentile = p.equals("max") ? 100 : Double.parseDouble(p.substring(1));
                            if (b != null) {
                                out.add(new Scenario.Expectation.Latency(
                                        phase,
                                        percentile,
                                        b,
                                        "latency " + phase + " " + p + " "
                                                + l.get(p).text("")));
                            }
                        }
                    }
                    continue;
                }
                if (!e.mapping("job", "status", "executions", "rolloutDeviation", "aborted")) {
                    continue;
                }
                String job = e.get("job").required();
                if (job != null && !jobIds.contains(job)) {
                    String hint = DidYouMean.closest(job, jobIds);
                    e.get("job")
                            .error("no job '" + job + "' in jobs"
                                    + (hint == null ? "" : "; did you mean '" + hint + "'?"));
                }
                if (e.has("status")) {
                    String status = e.get("status").text("");
                    if (!JOB_STATUSES.contains(status)) {
                        e.get("status").error("a job status is one of " + String.join(", ", JOB_STATUSES));
                    }
                    out.add(new Scenario.Expectation.JobStatus(job, status, "job " + job + " status " + status));
                }
                Node executions = e.get("executions");
                if (executions.mapping(EXECUTION_STATUSES.toArray(String[]::new))) {
                    executions.json().fieldNames().forEachRemaining(status -> {
                        Scenario.Bound b = executions.get(status).bound();
                        if (b != null && EXECUTION_STATUSES.contains(status)) {
                            out.add(new Scenario.Expectation.ExecutionCount(
                                    job, status, b, "job " + job + " " + status + " " + b));
                        }
                    });
                }
                if (e.has("rolloutDeviation")) {
                    Scenario.Bound b = e.get("rolloutDeviation").bound();
                    if (b != null) {
                        out.add(new Scenario.Expectation.RolloutDeviation(
                                job, b, "job " + job + " rollout deviation per simulated minute " + b));
                    }
                }
                if (e.has("aborted")) {
                    boolean aborted = e.get("aborted").bool(true);
                    out.add(new Scenario.Expectation.Aborted(
                            job, aborted, "job " + job + (aborted ? " aborted" : " not aborted")));
                }
            }
            return out;
        }
    }

    /** {@code file:line:column} of a key path, or {@code file} when the path is not in the document. */
    private static String at(Path file, YamlLocations locations, String path) {
        YamlLocations.Location location = locations.find(path);
        return location == null ? file.toString() : file + ":" + location;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}

package dev.fleetsim.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.metrics.Phase;
import dev.fleetsim.scenario.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code fleetsim report merge DIR...}: one report from a sharded run's pieces. Each shard's results (the coordinator's
 * {@code shards/shard-i.json}, which spans every process that ran under the index, or a shard's own {@code
 * results.json}) give counts, summed, and HdrHistograms per phase, merged exactly (the same values a single process
 * would have recorded, not averaged percentiles). The coordinator's {@code report.json}, when one of the folders holds
 * it, gives what only the service knows (jobs, rollout and status series, expectations); its device-side figures are
 * replaced by the merge. A shard index with no results is named.
 */
public final class ReportMerge {
    private ReportMerge() {}

    /** What a merge made, and what it could not find. */
    public record Result(ObjectNode report, List<String> notes) {}

    public static Result merge(List<Path> dirs) throws IOException {
        List<String> notes = new ArrayList<>();
        ObjectNode base = null;
        Map<Integer, JsonNode> byShard = new TreeMap<>();
        Integer shardCount = null;
        String scenario = null;
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + ": no such folder");
            }
            Path report = dir.resolve("report.json");
            if (Files.isRegularFile(report)) {
                if (base != null) {
                    throw new IllegalArgumentException(
                            "two coordinator reports (" + report + " and an earlier one): merge one run at a time");
                }
                base = (ObjectNode) JobsJson.mapper().readTree(report.toFile());
            }
            for (Path file : resultFiles(dir)) {
                JsonNode r = JobsJson.mapper().readTree(file.toFile());
                if (!ShardWire.RESULTS_SCHEMA.equals(r.path("schema").asText())) {
                    throw new IllegalArgumentException(
                            file + ": not a shard's results (schema " + ShardWire.RESULTS_SCHEMA + ")");
                }
                if (scenario == null) {
                    scenario = r.path("scenario").asText();
                    shardCount = r.path("shards").asInt();
                } else if (!scenario.equals(r.path("scenario").asText())
                        || shardCount != r.path("shards").asInt()) {
                    throw new IllegalArgumentException(
                            file + ": shard of '" + r.path("scenario").asText() + "' with "
                                    + r.path("shards").asInt() + " shards; the others are of '" + scenario + "' with "
                                    + shardCount);
                }
                int index = r.path("shard").asInt();
                JsonNode earlier = byShard.get(index);
                // The coordinator's view spans every process of the index (it has a restart log); a process's own
                // file only itself: the coordinator's wins, and among equals the one with more processes.
                int more = earlier == null
                        ? 1
                        : Integer.compare(
                                r.path("incarnations").asInt(),
                                earlier.path("incarnations").asInt());
                if (more > 0 || (more == 0 && r.has("restartLog") && !earlier.has("restartLog"))) {
                    byShard.put(index, r);
                }
            }
        }
        if (byShard.isEmpty()) {
            throw new IllegalArgumentException("no shard results (results.json or shards/shard-*.json) in " + dirs);
        }
        if (base != null && !base.path("scenario").asText().equals(scenario)) {
            throw new IllegalArgumentException("the coordinator's report is of '"
                    + base.path("scenario").asText() + "', the shards' results of '" + scenario + "'");
        }
        ObjectNode out = base != null ? base : JobsJson.mapper().createObjectNode();
        if (base == null) {
            out.put("schema", RunReport.SCHEMA);
            out.put("scenario", scenario);
            out.putArray("jobs");
            notes.add("no coordinator report.json among the folders: jobs, rollout and expectations (the service's"
                    + " view) are not in the merge");
        }
        FleetMeters.Totals totals = FleetMeters.Totals.ZERO;
        Map<Phase, Histogram> merged = new EnumMap<>(Phase.class);
        ArrayNode each = JobsJson.mapper().createArrayNode();
        List<Integer> missing = new ArrayList<>();
        int restarts = 0;
        for (int i = 0; i < shardCount; i++) {
            JsonNode r = byShard.get(i);
            if (r == null) {
                missing.add(i);
                continue;
            }
            totals = totals.plus(ShardWire.totals(r.path("totals")));
            restarts += r.path("restarts").asInt();
            var fields = r.path("histograms").fields();
            while (fields.hasNext()) {
                var f = fields.next();
                Phase phase = Phase.byLabel(f.getKey())
                        .orElseThrow(() -> new IllegalArgumentException("unknown phase " + f.getKey()));
                merged.computeIfAbsent(phase, p -> new Histogram(3))
                        .add(ShardWire.decode(f.getValue().asText()));
            }
            ObjectNode line = r.deepCopy();
            line.remove(List.of("histograms", "schema", "shards", "scenario"));
            each.add(line);
        }
        if (!missing.isEmpty()) {
            notes.add("no results for shard" + (missing.size() == 1 ? " " : "s ") + missing
                    + ": its devices are not in the figures");
        }
        ObjectNode phases = out.putObject("phases");
        for (Phase phase : Phase.values()) {
            phases.set(phase.label(), RunReport.phaseSummary(merged.getOrDefault(phase, new Histogram(3))));
        }
        RunReport.putDeviceCounts(out, totals, out.path("realSeconds").asDouble(0));
        ObjectNode shards = out.putObject("shards");
        shards.put("count", shardCount);
        shards.put("restarts", restarts);
        ArrayNode lost = shards.putArray("lost");
        byShard.forEach((i, r) -> {
            if (!r.path("state").asText().equals("finished")) {
                lost.add(i);
            }
        });
        missing.forEach(lost::add);
        shards.set("each", each);
        ArrayNode noteArray = out.putArray("mergeNotes");
        notes.forEach(noteArray::add);
        return new Result(out, notes);
    }

    /** A coordinator's {@code shards/shard-*.json} and {@code shards/shard-*}{@code /results.json}, or a shard's own. */
    private static List<Path> resultFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve("results.json"))) {
            files.add(dir.resolve("results.json"));
        }
        Path shards = dir.resolve("shards");
        if (Files.isDirectory(shards)) {
            try (Stream<Path> list = Files.list(shards)) {
                for (Path p : list.sorted().toList()) {
                    if (p.getFileName().toString().matches("shard-\\d+\\.json")) {
                        files.add(p);
                    } else if (Files.isRegularFile(p.resolve("results.json"))) {
                        files.add(p.resolve("results.json"));
                    }
                }
            }
        }
        return files;
    }
}

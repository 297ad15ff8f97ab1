package dev.fleetsim.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code actions}: the run's timeline (cancel a job, add things to a group, take devices offline, a disconnect storm,
 * a broker restart), each at a simulated time, optionally repeated {@code times} times {@code every} interval.
 */
final class ActionsSection {
    /** The kinds of action, one per entry, in the order messages list them. */
    private static final List<String> KINDS =
            List.of("cancelJob", "addThingsToGroup", "offline", "disconnectStorm", "restartBroker");

    private ActionsSection() {}

    static List<Scenario.ActionSpec> read(Node list, LoadContext ctx) {
        List<Scenario.ActionSpec> out = new ArrayList<>();
        List<String> keys = new ArrayList<>(List.of("at", "every", "times"));
        keys.addAll(KINDS);
        for (Node a : list.list()) {
            if (!a.mapping(keys.toArray(String[]::new))) {
                continue;
            }
            Duration every = a.get("every").duration(null);
            Duration at = a.get("at").duration(null);
            if (at == null) {
                a.get("at").error("required: when the action happens, e.g. 5m");
                at = Duration.ZERO;
            }
            int times = ctx.seriesLength(a, at, every, "actions", 100_000);
            List<String> given = KINDS.stream().filter(a.json()::has).toList(); // "restartBroker:" alone counts
            if (given.size() != 1) {
                a.error("give exactly one of " + String.join(", ", KINDS.subList(0, KINDS.size() - 1)) + " or "
                        + KINDS.get(KINDS.size() - 1));
                continue;
            }
            Scenario.ActionSpec action = action(given.get(0), a.get(given.get(0)), at, ctx);
            if (action == null) {
                continue;
            }
            out.add(action);
            for (int n = 1; every != null && n < times; n++) {
                out.add(action.at(at.plus(every.multipliedBy(n))));
            }
        }
        return out;
    }

    private static Scenario.ActionSpec action(String kind, Node n, Duration at, LoadContext ctx) {
        switch (kind) {
            case "cancelJob" -> {
                n.mapping("jobId", "force", "comment");
                String jobId = n.get("jobId").required();
                ctx.known(n.get("jobId"), "job", jobId, "jobs", ctx.jobIds);
                return new Scenario.ActionSpec.CancelJob(
                        at, jobId, n.get("force").bool(false), n.get("comment").text(null));
            }
            case "addThingsToGroup" -> {
                n.mapping("group", "share", "count", "range");
                String group = n.get("group").required();
                int[] range = ctx.range(n, 0);
                return group == null || range == null
                        ? null
                        : new Scenario.ActionSpec.AddThingsToGroup(at, group, range[0], range[1]);
            }
            case "offline" -> {
                n.mapping("cohort", "share", "count", "range", "for");
                int[] range;
                if (n.has("cohort")) {
                    String name = n.get("cohort").text("");
                    Scenario.CohortSpec c = ctx.cohorts.get(name);
                    if (!ctx.known(n.get("cohort"), "cohort", name, "cohorts", ctx.cohorts.keySet())) {
                        return null;
                    }
                    range = new int[] {c.from(), c.to()};
                } else {
                    range = ctx.range(n, 0);
                }
                Duration d = n.get("for").duration(null);
                if (d == null) {
                    n.get("for").error("required: how long the devices stay offline, e.g. 2m");
                    return null;
                }
                return range == null ? null : new Scenario.ActionSpec.Offline(at, range[0], range[1], d);
            }
            case "restartBroker" -> {
                n.mapping("for");
                return new Scenario.ActionSpec.RestartBroker(at, n.get("for").duration(Duration.ofSeconds(10)));
            }
            default -> {
                n.mapping("share", "for");
                return new Scenario.ActionSpec.DisconnectStorm(
                        at, n.get("share").fraction(0.1), n.get("for").duration(Duration.ofSeconds(30)));
            }
        }
    }
}

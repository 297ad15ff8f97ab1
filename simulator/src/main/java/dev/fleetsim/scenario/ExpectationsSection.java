package dev.fleetsim.scenario;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.metrics.Phase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.services.iot.model.JobStatus;

/**
 * {@code expect}: checks made on the report at the end: a job's status, executions per status (counts or shares),
 * rollout deviation, whether the abort tripped, and phase latency percentiles. Status and phase names come from the
 * enums the run reports with, listed in their declared order.
 */
final class ExpectationsSection {
    /** Job statuses a scenario may expect, in the SDK model's order. */
    static final List<String> JOB_STATUSES = Arrays.stream(JobStatus.values())
            .filter(s -> s != JobStatus.UNKNOWN_TO_SDK_VERSION)
            .map(JobStatus::toString)
            .toList();
    /** Execution statuses, in the spec's order. */
    static final List<String> EXECUTION_STATUSES =
            Arrays.stream(JobExecutionStatus.values()).map(Enum::name).toList();

    private static final List<String> PERCENTILES = List.of("p50", "p90", "p99", "p99.9", "max");

    private ExpectationsSection() {}

    static List<Scenario.Expectation> read(Node list, LoadContext ctx) {
        List<Scenario.Expectation> out = new ArrayList<>();
        for (Node e : list.list()) {
            if (e.has("latency")) {
                e.mapping("latency");
                latency(e.get("latency"), ctx, out);
            } else if (e.mapping("job", "status", "executions", "rolloutDeviation", "aborted")) {
                job(e, ctx, out);
            }
        }
        return out;
    }

    private static void latency(Node l, LoadContext ctx, List<Scenario.Expectation> out) {
        List<String> keys = new ArrayList<>(List.of("phase"));
        keys.addAll(PERCENTILES);
        l.mapping(keys.toArray(String[]::new));
        String phase = l.get("phase").required();
        if (phase != null && Phase.byLabel(phase).isEmpty()) {
            String hint = DidYouMean.closest(
                    phase, Arrays.stream(Phase.values()).map(Phase::label).toList());
            l.get("phase")
                    .error("unknown phase '" + phase + "'"
                            + (hint == null ? "; phases: " + Phase.labels() : "; did you mean '" + hint + "'?"));
        }
        for (String p : PERCENTILES) {
            if (!l.has(p)) {
                continue;
            }
            Scenario.Bound b = l.get(p).bound();
            if (b == null) {
                continue;
            }
            // Job phases are recorded in simulated time, like every time in a scenario; connect in real time, where
            // the network is the point: the bound is compared as written.
            double percentile = p.equals("max") ? 100 : Double.parseDouble(p.substring(1));
            out.add(new Scenario.Expectation.Latency(
                    phase,
                    percentile,
                    b,
                    "latency " + phase + " " + p + " " + l.get(p).text("")));
        }
    }

    private static void job(Node e, LoadContext ctx, List<Scenario.Expectation> out) {
        String job = e.get("job").required();
        ctx.known(e.get("job"), "job", job, "jobs", ctx.jobIds);
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
}

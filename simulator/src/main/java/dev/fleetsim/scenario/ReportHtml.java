package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code report.html}: one self-contained page (inline CSS and SVG, no scripts, no network) drawn from
 * {@code report.json}: the rollout curve observed vs allowed, executions per status over time, latency percentiles
 * per phase, download throughput, and the expectations.
 */
final class ReportHtml {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private ReportHtml() {}

    /** A line: {@code dashed} ones are drawn first, wider and lighter, so a solid line on top stays visible. */
    record Series(String name, double[] x, double[] y, boolean dashed) {
        Series(String name, double[] x, double[] y) {
            this(name, x, y, false);
        }
    }

    /** A sharded run's shards: each one's devices, restarts and what they cost, and the shards that were lost. */
    private static void shards(StringBuilder h, JsonNode shards) {
        if (shards.isMissingNode() || shards.path("each").isEmpty()) {
            return;
        }
        h.append("<h2>Shards</h2><p>")
                .append(shards.path("count").asInt())
                .append(" device shards, ")
                .append(shards.path("restarts").asInt())
                .append(" restart")
                .append(shards.path("restarts").asInt() == 1 ? "" : "s");
        if (!shards.path("lost").isEmpty()) {
            h.append(", <b class=\"fail\">lost: shard ")
                    .append(esc(shards.path("lost").toString()))
                    .append("</b>");
        }
        h.append(".</p><table><tr><th>shard</th><th style=\"text-align:left\">host</th><th>state</th>"
                + "<th>connects</th><th>notified</th><th>statuses</th><th>end-to-end p50 (ms)</th><th>CPU (s)</th>"
                + "<th>restarts</th>"
                + "<th style=\"text-align:left\">restart cost</th></tr>");
        for (JsonNode s : shards.path("each")) {
            StringBuilder cost = new StringBuilder();
            for (JsonNode r : s.path("restartLog")) {
                cost.append(String.format(
                        Locale.ROOT,
                        "down %.1f s (was %s, %d devices connected)%s; ",
                        r.path("downSeconds").asDouble(),
                        r.path("previousPhase").asText(),
                        r.path("devicesConnectedBefore").asInt(),
                        r.has("readyAfterSeconds")
                                ? String.format(
                                        Locale.ROOT,
                                        ", devices back %.1f s after it rejoined",
                                        r.path("readyAfterSeconds").asDouble())
                                : ""));
            }
            h.append("<tr><td>")
                    .append(s.path("shard").asInt())
                    .append("</td><td style=\"text-align:left\">")
                    .append(esc(s.path("host").asText()))
                    .append("</td><td class=\"")
                    .append(s.path("state").asText().equals("finished") ? "pass" : "fail")
                    .append("\">")
                    .append(esc(s.path("state").asText()))
                    .append("</td><td>")
                    .append(s.path("totals").path("connects").asLong())
                    .append("</td><td>")
                    .append(s.path("notifications").asLong())
                    .append("</td><td>")
                    .append(s.path("statuses").asLong())
                    .append("</td><td>")
                    .append(fmt(
                            s.path("phases").path("end-to-end").path("p50Ms").asDouble()))
                    .append("</td><td>")
                    .append(fmt(s.path("cpuSeconds").asDouble()))
                    .append("</td><td>")
                    .append(s.path("restarts").asInt())
                    .append("</td><td style=\"text-align:left\">")
                    .append(esc(cost.toString()))
                    .append("</td></tr>");
        }
        h.append("</table>");
    }

    static String render(JsonNode r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>fleetsim report: ")
                .append(esc(r.path("scenario").asText()))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1000px}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
                        + "text-align:right}th{background:#f4f4f4}.pass{color:#2ca02c}.fail{color:#d62728}"
                        + "svg{border:1px solid #eee;margin:0.5em 0}</style></head><body>");
        boolean passed = r.path("passed").asBoolean();
        h.append("<h1>")
                .append(esc(r.path("scenario").asText()))
                .append(" <span class=\"")
                .append(passed ? "pass\">PASS" : "fail\">FAIL")
                .append("</span></h1>");
        h.append("<p>")
                .append(r.path("devices").asInt())
                .append(" devices, seed ")
                .append(r.path("seed").asLong())
                .append(", ")
                .append(fmt(r.path("realSeconds").asDouble()))
                .append(" s real, ")
                .append(fmt(r.path("simulatedSeconds").asDouble()))
                .append(" s simulated (time scale ")
                .append(fmt(r.path("timeScale").asDouble()))
                .append(")")
                .append(r.path("timedOut").asBoolean() ? ", <b class=\"fail\">timed out</b>" : "")
                .append(". MQTT: ")
                .append(r.path("mqtt").path("connects").asLong())
                .append(" connects, ")
                .append(r.path("mqtt").path("connectFailures").asLong())
                .append(" failures, ")
                .append(r.path("mqtt").path("requests").asLong())
                .append(" Jobs requests answered. Downloaded ")
                .append(fmt(r.path("download").path("bytes").asDouble() / (1 << 20)))
                .append(" MiB.</p>");

        if (r.path("expectations").size() > 0) {
            h.append("<h2>Expectations</h2><table><tr><th>expectation</th><th>actual</th><th>result</th></tr>");
            for (JsonNode e : r.path("expectations")) {
                boolean ok = e.path("passed").asBoolean();
                h.append("<tr><td style=\"text-align:left\">")
                        .append(esc(e.path("expectation").asText()))
                        .append("</td><td>")
                        .append(esc(e.path("actual").asText()))
                        .append("</td><td class=\"")
                        .append(ok ? "pass\">pass" : "fail\">FAIL")
                        .append("</td></tr>");
            }
            h.append("</table>");
        }

        for (JsonNode job : r.path("jobs")) {
            h.append("<h2>Job ")
                    .append(esc(job.path("jobId").asText()))
                    .append(": ")
                    .append(esc(job.path("status").asText()))
                    .append(
                            job.has("reasonCode")
                                    ? " (" + esc(job.path("reasonCode").asText()) + ")"
                                    : "")
                    .append("</h2><table><tr>");
            job.path("executions")
                    .fieldNames()
                    .forEachRemaining(s -> h.append("<th>").append(s).append("</th>"));
            h.append("</tr><tr>");
            job.path("executions")
                    .forEach(n -> h.append("<td>").append(n.asInt()).append("</td>"));
            h.append("</tr></table>");
            JsonNode perMinute = job.path("rollout").path("perMinute");
            if (perMinute.size() > 0) {
                double[] x = new double[perMinute.size()];
                double[] observed = new double[x.length];
                double[] allowed = new double[x.length];
                double[] takenUp = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = perMinute.get(i).path("minute").asDouble();
                    observed[i] = perMinute.get(i).path("notified").asDouble();
                    allowed[i] = perMinute.get(i).path("allowed").asDouble();
                    takenUp[i] = perMinute.get(i).path("takenUp").asDouble();
                }
                h.append(chart(
                        "Rollout: executions notified per simulated minute (max deviation "
                                + job.path("rollout").path("maxDeviation").asInt() + ")",
                        "simulated minute",
                        "executions",
                        List.of(
                                new Series("notified by the service", x, observed),
                                new Series("allowed by AWS's formula", x, allowed, true),
                                new Series("taken up by devices", x, takenUp))));
            }
            JsonNode series = job.path("statusSeries");
            if (series.size() > 0) {
                List<Series> lines = new ArrayList<>();
                for (String s : List.of("SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT")) {
                    double[] x = new double[series.size()];
                    double[] y = new double[series.size()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = series.get(i).path("minute").asDouble();
                        y[i] = series.get(i).path(s).asDouble();
                    }
                    lines.add(new Series(s, x, y));
                }
                h.append(
                        chart("Executions per status over time (cumulative)", "simulated minute", "executions", lines));
            }
            JsonNode abort = job.path("abort");
            if (abort.path("aborted").asBoolean()) {
                h.append("<p>Aborted after ")
                        .append(fmt(abort.path("atSimulatedSeconds").asDouble()))
                        .append(" simulated s, at ")
                        .append(abort.path("completed").asInt())
                        .append(" completed executions (")
                        .append(esc(abort.path("byStatus").toString()))
                        .append("); AWS's rule trips first at ")
                        .append(abort.path("expectedAtCompleted").asText("?"))
                        .append(".</p>");
            }
        }

        shards(h, r.path("shards"));
        h.append("<h2>Latency per phase (ms)</h2><table><tr><th style=\"text-align:left\">phase</th><th>count</th>"
                + "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        List<String> names = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        r.path("phases").fields().forEachRemaining(e -> {
            JsonNode p = e.getValue();
            h.append("<tr><td style=\"text-align:left\">")
                    .append(esc(e.getKey()))
                    .append("</td><td>")
                    .append(p.path("count").asLong());
            for (String k : List.of("p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs")) {
                h.append("</td><td>").append(fmt(p.path(k).asDouble()));
            }
            h.append("</td></tr>");
            if (p.path("count").asLong() > 0) {
                names.add(e.getKey());
                values.add(new double[] {
                    p.path("p50Ms").asDouble(),
                    p.path("p90Ms").asDouble(),
                    p.path("p99Ms").asDouble(),
                    p.path("p999Ms").asDouble()
                });
            }
        });
        h.append("</table>");
        if (!names.isEmpty()) {
            List<Series> lines = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                lines.add(new Series(names.get(i), new double[] {0, 1, 2, 3}, values.get(i)));
            }
            h.append(chart(
                    "Latency percentiles per phase", "percentile", "ms", lines, List.of("p50", "p90", "p99", "p99.9")));
        }

        JsonNode samples = r.path("samples");
        if (samples.size() > 1) {
            double[] x = new double[samples.size() - 1];
            double[] y = new double[x.length];
            for (int i = 1; i < samples.size(); i++) {
                JsonNode a = samples.get(i - 1);
                JsonNode b = samples.get(i);
                double dt =
                        b.path("realSeconds").asDouble() - a.path("realSeconds").asDouble();
                x[i - 1] = b.path("realSeconds").asDouble();
                y[i - 1] = dt <= 0
                        ? 0
                        : (b.path("downloadedBytes").asDouble()
                                        - a.path("downloadedBytes").asDouble())
                                / (1 << 20)
                                / dt;
            }
            if (Arrays.stream(y).anyMatch(v -> v > 0)) {
                h.append(chart("Download throughput", "real seconds", "MiB/s", List.of(new Series("verified", x, y))));
            }
            h.append(resources(samples));
        }
        h.append("<p style=\"color:#888\">")
                .append(esc(r.path("schema").asText()))
                .append(" · ")
                .append(esc(r.path("file").asText()))
                .append("</p></body></html>\n");
        return h.toString();
    }

    /** The process over the run (a soak's figures): heap after GC, open files and threads. */
    private static String resources(JsonNode samples) {
        int n = samples.size();
        double[] x = new double[n];
        double[] heap = new double[n];
        double[] files = new double[n];
        double[] threads = new double[n];
        int k = 0;
        for (JsonNode s : samples) {
            if (s.path("heapAfterGcBytes").asLong(-1) < 0) {
                continue; // before the first collection
            }
            x[k] = s.path("realSeconds").asDouble();
            heap[k] = s.path("heapAfterGcBytes").asDouble() / (1 << 20);
            files[k] = s.path("openFiles").asDouble();
            threads[k] = s.path("threads").asDouble();
            k++;
        }
        if (k < 2) {
            return "";
        }
        double[] xs = Arrays.copyOf(x, k);
        return chart(
                        "Heap after GC (a leak raises this floor)",
                        "real seconds",
                        "MiB",
                        List.of(new Series("heap after GC", xs, Arrays.copyOf(heap, k))))
                + chart(
                        "Open files and threads",
                        "real seconds",
                        "count",
                        List.of(
                                new Series("open files", xs, Arrays.copyOf(files, k)),
                                new Series("threads", xs, Arrays.copyOf(threads, k))));
    }

    /** A line chart in SVG, 760×260, axes from zero. */
    static String chart(String title, String xLabel, String yLabel, List<Series> series) {
        return chart(title, xLabel, yLabel, series, null);
    }

    /**
     * A line chart; with {@code categories}, x is the index of a category and each gets its label on the axis
     * (percentiles), instead of numbers from zero.
     */
    static String chart(String title, String xLabel, String yLabel, List<Series> series, List<String> categories) {
        int w = 760;
        int hgt = 260;
        int left = 60;
        int right = 160;
        int top = 30;
        int bottom = 40;
        double maxX = 1;
        double maxY = 1;
        for (Series s : series) {
            for (double v : s.x()) {
                maxX = Math.max(maxX, v);
            }
            for (double v : s.y()) {
                maxY = Math.max(maxY, v);
            }
        }
        double pw = w - left - right;
        double ph = hgt - top - bottom;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, hgt));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>",
                left,
                esc(title)));
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
                left,
                top,
                left,
                hgt - bottom,
                left,
                hgt - bottom,
                w - right,
                hgt - bottom));
        if (categories != null) {
            maxX = Math.max(1, categories.size() - 1);
        }
        maxY *= 1.1; // headroom: a line at the maximum stays off the frame's edge
        for (int i = 0; i <= 4; i++) {
            double yv = maxY * i / 4;
            double y = hgt - bottom - ph * i / 4;
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                    left - 4,
                    y + 3,
                    fmt(yv)));
            if (categories != null) {
                continue;
            }
            double xv = maxX * i / 4;
            double x = left + pw * i / 4;
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
                    x,
                    hgt - bottom + 14,
                    fmt(xv)));
        }
        for (int i = 0; categories != null && i < categories.size(); i++) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
                    left + pw * i / maxX,
                    hgt - bottom + 14,
                    esc(categories.get(i))));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                left + pw / 2,
                hgt - 6,
                esc(xLabel)));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"12\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-90 12 %.1f)\""
                        + " text-anchor=\"middle\">%s</text>",
                top + ph / 2,
                top + ph / 2,
                esc(yLabel)));
        // Dashed lines first: a solid line drawn over an equal dashed one leaves the dashes visible on both sides.
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < series.size(); k++) {
            if (series.get(k).dashed()) {
                order.add(k);
            }
        }
        for (int k = 0; k < series.size(); k++) {
            if (!series.get(k).dashed()) {
                order.add(k);
            }
        }
        for (int k : order) {
            Series s = series.get(k);
            String color = COLORS[k % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                points.append(String.format(
                        Locale.ROOT, "%.1f,%.1f ", left + pw * s.x()[i] / maxX, hgt - bottom - ph * s.y()[i] / maxY));
            }
            svg.append("<polyline fill=\"none\" stroke=\"")
                    .append(color)
                    .append(
                            s.dashed()
                                    ? "\" stroke-width=\"5\" stroke-opacity=\"0.55\" stroke-dasharray=\"8 5\" points=\""
                                    : "\" stroke-width=\"2\" points=\"")
                    .append(points)
                    .append("\"/>");
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
                    w - right + 10,
                    top + 16 * k,
                    color,
                    w - right + 24,
                    top + 16 * k + 9,
                    esc(s.name())));
        }
        return svg.append("</svg>").toString();
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

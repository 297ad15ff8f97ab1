package dev.fleetsim.scenario;

import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.target.IotCoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the section readers of one scenario file share: the file, the error list, and what earlier sections defined
 * that later ones refer to (the fleet's size and thing names, groups, cohorts, artifacts, job ids, the time scale).
 * Sections are read in file order of dependency: target, fleet, cohorts, artifacts, jobs, actions, expect.
 */
final class LoadContext {
    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");

    final Path file;
    final List<String> errors;
    double timeScale = 1;
    RateIncrease rateIncrease = RateIncrease.NEXT_MINUTE;
    Retention retention = Retention.DEFAULT;
    /** {@code target.iotCore}, or null for the local stack. */
    IotCoreSettings iotCore;
    /** How long the run lasts in simulated time; null when it ends with its jobs. */
    Duration duration;

    int count;
    final Set<String> thingNames = new HashSet<>();
    final Map<String, Scenario.GroupSpec> groups = new LinkedHashMap<>();
    final Map<String, Scenario.CohortSpec> cohorts = new LinkedHashMap<>();
    final Set<String> artifactNames = new HashSet<>();
    final Set<String> jobIds = new HashSet<>();

    LoadContext(Path file, List<String> errors) {
        this.file = file;
        this.errors = errors;
    }

    /**
     * How many times a series ({@code every}, optional {@code times}) starting {@code at} happens: {@code times} when
     * given, else as many as fit before the run's {@code duration} (a soak's series runs until the end); at least 1.
     */
    int seriesLength(Node item, Duration at, Duration every, String what, int max) {
        if (every != null && (every.isZero() || every.isNegative())) {
            item.get("every").error("must be a positive interval, e.g. 10m");
            return 1;
        }
        if (item.has("times")) {
            if (every == null) {
                item.get("every").error("required with times: the interval between " + what + ", e.g. 1h");
            }
            return (int) item.get("times").integer(1, 1, max);
        }
        if (every == null) {
            return 1;
        }
        if (duration == null) {
            item.get("times")
                    .error("required with every (how many " + what + " in the series, e.g. 24), unless the scenario"
                            + " has a duration: the series then runs until the end");
            return 1;
        }
        long fit = at.compareTo(duration) >= 0 ? 1 : 1 + (duration.minus(at).toNanos() - 1) / every.toNanos();
        if (fit > max) {
            item.get("every")
                    .error("the series would have " + fit + " " + what + " before the end of the run; at most " + max
                            + ": use a longer interval or set times");
            return 1;
        }
        return (int) fit;
    }

    /** A simulated duration as the real duration devices wait at this scenario's time scale. */
    Duration scaled(Duration simulated) {
        return Duration.ofNanos((long) (simulated.toNanos() / timeScale));
    }

    /**
     * Records "no {what} '{name}' in {where}" at {@code at}, with the closest known name as a suggestion; returns
     * whether {@code name} is known.
     */
    boolean known(Node at, String what, String name, String where, Collection<String> known) {
        if (name == null || known.contains(name)) {
            return true;
        }
        String hint = DidYouMean.closest(name, known);
        at.error("no " + what + " '" + name + "' in " + where + (hint == null ? "" : "; did you mean '" + hint + "'?"));
        return false;
    }

    /**
     * [from, to) of devices by {@code share}, {@code count} or {@code range} (inclusive "a-b"), shares and counts
     * starting at {@code next}; null (with an error recorded) when the node does not name a valid slice.
     */
    int[] range(Node n, int next) {
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

    static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}

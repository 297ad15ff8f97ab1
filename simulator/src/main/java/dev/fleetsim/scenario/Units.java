package dev.fleetsim.scenario;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Units of scenario files: durations such as {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 1.5s}. */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h|d)");

    private Units() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message that says what is accepted
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration; write a number and a unit: ms, s, m, h or d (e.g. 500ms, 30s)");
        }
        double value = Double.parseDouble(m.group(1));
        double millis = switch (m.group(2)) {
            case "ms" -> value;
            case "s" -> value * 1_000;
            case "m", "min" -> value * 60_000;
            case "h" -> value * 3_600_000;
            case "d" -> value * 86_400_000;
            default -> throw new IllegalStateException(m.group(2));
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }
}

package dev.fleetsim.scenario;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Units of scenario files and options: durations ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 1.5s}, and
 * compounds such as {@code 3m30s} or {@code 1h15m}),
 * sizes ({@code 8MiB}, {@code 512KiB}, {@code 1GB}, {@code 100B}; binary units are powers of 1024, decimal of 1000)
 * and bit rates ({@code 256kbps}, {@code 2Mbps}, {@code 1Gbps}; decimal, as networks count).
 */
public final class Units {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|min|m|h|d)\\s*");
    private static final Pattern DURATION = Pattern.compile("(?:\\d+(?:\\.\\d+)?\\s*(?:ms|s|min|m|h|d)\\s*)+");

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(bps|kbps|mbps|gbps)");

    private Units() {}

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException with a message that says what is accepted
     */
    public static long bytes(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a size; write a number and a unit: B, KiB, MiB, GiB (or kB, MB, GB), e.g. 8MiB");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        double factor = switch (unit) {
            case "b" -> 1;
            case "kb" -> 1e3;
            case "kib" -> 1024;
            case "mb" -> 1e6;
            case "mib" -> 1024.0 * 1024;
            case "gb" -> 1e9;
            case "gib" -> 1024.0 * 1024 * 1024;
            case "tb" -> 1e12;
            case "tib" -> 1024.0 * 1024 * 1024 * 1024;
            default -> throw new IllegalStateException(unit);
        };
        return Math.round(value * factor);
    }

    /**
     * Parses a bit rate into bytes per second.
     *
     * @throws IllegalArgumentException with a message that says what is accepted
     */
    public static long bytesPerSecond(String text) {
        Matcher m = RATE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a bit rate; write a number and a unit: bps, kbps, Mbps or Gbps (e.g. 2Mbps)");
        }
        double bits = Double.parseDouble(m.group(1))
                * switch (m.group(2)) {
                    case "bps" -> 1;
                    case "kbps" -> 1e3;
                    case "mbps" -> 1e6;
                    case "gbps" -> 1e9;
                    default -> throw new IllegalStateException(m.group(2));
                };
        return Math.max(1, Math.round(bits / 8));
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message that says what is accepted
     */
    /**
     * A fraction in [0, 1], written {@code 5%} or {@code 0.05}.
     *
     * @throws IllegalArgumentException naming what is accepted
     */
    public static double fraction(String text) {
        String t = text.trim();
        double v;
        try {
            v = t.endsWith("%")
                    ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100
                    : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "'" + t + "' is not a share; write a percentage like 5% or a fraction like 0.05");
        }
        if (v < 0 || v > 1) {
            throw new IllegalArgumentException("must be 0%-100% (or 0-1), not " + t);
        }
        return v;
    }

    public static Duration parseDuration(String text) {
        String normalized = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (!DURATION.matcher(normalized).matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration; write a number and a unit: ms, s, m, h or d (e.g. 500ms, 30s, 3m30s)");
        }
        double millis = 0;
        Matcher m = DURATION_PART.matcher(normalized);
        while (m.find()) {
            double value = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> value;
                case "s" -> value * 1_000;
                case "m", "min" -> value * 60_000;
                case "h" -> value * 3_600_000;
                case "d" -> value * 86_400_000;
                default -> throw new IllegalStateException(m.group(2));
            };
        }
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }
}

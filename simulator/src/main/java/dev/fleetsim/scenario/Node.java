package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.device.DeviceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value of the scenario tree with its key path, for validation that reports every problem at once: each getter
 * records an error (path: message) and returns a fallback instead of stopping.
 */
final class Node {
    private final JsonNode node;
    private final String path;
    private final List<String> errors;

    Node(JsonNode node, String path, List<String> errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    String path() {
        return path;
    }

    JsonNode json() {
        return node;
    }

    boolean isMissing() {
        return node == null || node.isMissingNode() || node.isNull();
    }

    void error(String message) {
        errors.add((path.isEmpty() ? "(top level)" : path) + ": " + message);
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Node get(String key) {
        return new Node(node == null ? null : node.get(key), child(key), errors);
    }

    boolean has(String key) {
        return node != null
                && node.isObject()
                && node.has(key)
                && !node.get(key).isNull();
    }

    /** A mapping whose keys must be among {@code known}; unknown keys are errors with a suggestion. */
    boolean mapping(String... known) {
        if (isMissing()) {
            return false;
        }
        if (!node.isObject()) {
            error("expected a mapping of keys to values");
            return false;
        }
        Set<String> allowed = Set.of(known);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                new Node(node.get(name), child(name), errors).error(unknownKey(name, allowed, path));
            }
        }
        return true;
    }

    static String unknownKey(String name, Set<String> allowed, String parent) {
        String suggestion = DidYouMean.closest(name, allowed);
        String where = parent.isEmpty() ? "at the top level" : "in " + parent;
        return "unknown key '" + name + "' " + where
                + (suggestion != null
                        ? "; did you mean '" + suggestion + "'?"
                        : "; known keys: " + String.join(", ", new TreeSet<>(allowed)));
    }

    List<Node> list() {
        List<Node> out = new ArrayList<>();
        if (isMissing()) {
            return out;
        }
        if (!node.isArray()) {
            error("expected a list");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new Node(node.get(i), path + "[" + i + "]", errors));
        }
        return out;
    }

    String text(String fallback) {
        if (isMissing()) {
            return fallback;
        }
        if (!node.isValueNode()) {
            error("expected text");
            return fallback;
        }
        return node.asText();
    }

    String required() {
        if (isMissing()) {
            error("required");
            return null;
        }
        String t = text(null);
        if (t != null && t.isBlank()) {
            error("must not be empty");
        }
        return t;
    }

    long integer(long fallback, long min, long max) {
        if (isMissing()) {
            return fallback;
        }
        if (!node.canConvertToLong()
                || !(node.isIntegralNumber() || node.asText().matches("-?\\d+"))) {
            error("expected a whole number, found '" + node.asText() + "'");
            return fallback;
        }
        long v = node.asLong();
        if (v < min || v > max) {
            error("must be " + min + "-" + max + ", not " + v);
            return fallback;
        }
        return v;
    }

    boolean bool(boolean fallback) {
        if (isMissing()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            error("expected true or false");
            return fallback;
        }
        return node.asBoolean();
    }

    Duration duration(Duration fallback) {
        return parsed(fallback, Units::parseDuration);
    }

    long bytes(long fallback) {
        return parsed(fallback, Units::bytes);
    }

    long bitRate(long fallback) {
        return parsed(fallback, Units::bytesPerSecond);
    }

    /** {@code 5} or {@code 3.1.1}. */
    MqttVersion mqttVersion(MqttVersion fallback) {
        return parsed(fallback, DeviceConfig::mqttVersion);
    }

    /** A keep-alive IoT Core accepts (whole seconds, 30s-1200s). */
    Duration keepAlive(Duration fallback) {
        return parsed(fallback, t -> DeviceConfig.keepAlive(Units.parseDuration(t)));
    }

    /** A fraction in [0, 1], written {@code 5%} or {@code 0.05}. */
    double fraction(double fallback) {
        return parsed(fallback, Units::fraction);
    }

    /** A non-negative number (a weight). */
    double number(double fallback) {
        if (isMissing()) {
            return fallback;
        }
        if (!node.isNumber()) {
            String t = node.asText().trim();
            if (t.endsWith("%")) {
                return fraction(fallback) * 100;
            }
            error("expected a number, found '" + t + "'");
            return fallback;
        }
        double v = node.asDouble();
        if (v < 0) {
            error("must not be negative");
            return fallback;
        }
        return v;
    }

    /**
     * One value of an enum, written in camelCase in scenario files ({@code nextMinute} for {@code NEXT_MINUTE}; the
     * constant's own name is accepted too); an unknown value is an error listing every value in declaration order.
     */
    <E extends Enum<E>> E oneOf(E fallback, Class<E> type) {
        if (isMissing()) {
            return fallback;
        }
        String text = node.asText();
        for (E value : type.getEnumConstants()) {
            if (value.name().equals(text) || camelCase(value).equals(text)) {
                return value;
            }
        }
        error("'" + text + "' is not one of " + names(type));
        return fallback;
    }

    /** The camelCase names of an enum's values in declaration order, comma-separated. */
    static <E extends Enum<E>> String names(Class<E> type) {
        StringBuilder b = new StringBuilder();
        for (E value : type.getEnumConstants()) {
            b.append(b.length() == 0 ? "" : ", ").append(camelCase(value));
        }
        return b.toString();
    }

    /** {@code NEXT_MINUTE} → {@code nextMinute}. */
    static String camelCase(Enum<?> value) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : value.name().toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    private <T> T parsed(T fallback, Function<String, T> parser) {
        if (isMissing()) {
            return fallback;
        }
        try {
            return parser.apply(node.asText());
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return fallback;
        }
    }

    /** {@code ">= 95%"}, {@code "<= 1"}, {@code "< 30s"} (durations become milliseconds). */
    Scenario.Bound bound() {
        if (isMissing()) {
            error("required");
            return null;
        }
        String t = node.asText().trim();
        Matcher m = Pattern.compile("(<=|>=|==|<|>)?\\s*(.+)").matcher(t);
        if (!m.matches()) {
            error("'" + t + "' is not a bound; write e.g. '>= 95%', '<= 10' or '< 30s'");
            return null;
        }
        String op = m.group(1) == null ? "==" : m.group(1);
        String value = m.group(2).trim().toLowerCase(Locale.ROOT);
        try {
            if (value.endsWith("%")) {
                return new Scenario.Bound(op, Double.parseDouble(value.substring(0, value.length() - 1)), true);
            }
            if (value.matches("[\\d.]+\\s*(ms|s|m|min|h|d)")) {
                return new Scenario.Bound(op, Units.parseDuration(value).toNanos() / 1e6, false);
            }
            return new Scenario.Bound(op, Double.parseDouble(value), false);
        } catch (IllegalArgumentException e) {
            error("'" + t + "' is not a bound; write e.g. '>= 95%', '<= 10' or '< 30s'");
            return null;
        }
    }
}

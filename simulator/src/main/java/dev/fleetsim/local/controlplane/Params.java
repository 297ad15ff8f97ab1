package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.InvalidJobConfigException;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.local.jobs.Arns;
import dev.fleetsim.local.jobs.Tags;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads request bodies and query parameters as the AWS model types them, and writes the shapes every family shares
 * (timestamps, pages). Every value that does not parse is {@code InvalidRequestException} (400), never a 500: SDKs
 * retry 500s.
 */
final class Params {
    static final ObjectMapper JSON = JobsJson.mapper();
    /** For configurations: "5" is not the number 5, as the AWS model's types are checked. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    /** An attribute value's longest length (AWS: 800 characters). */
    static final int MAX_ATTRIBUTE_VALUE = 800;
    /** Attributes of one thing or group (AWS: 50). */
    static final int MAX_ATTRIBUTES = 50;
    /** A description's or comment's longest length (the model: 2,028 characters). */
    static final int MAX_DESCRIPTION = 2028;

    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-zA-Z0-9_.,@/:#=\\[\\]-]{1,128}");

    /** Page size when a request names none; the model allows 1–250. */
    private static final int DEFAULT_PAGE = 100;

    private static final int MAX_PAGE = 250;

    /**
     * The member names of a List API's pagination: most {@code iot} Lists take {@code maxResults}/{@code nextToken}
     * and answer {@code nextToken}; the certificate Lists take {@code pageSize}/{@code marker} and answer
     * {@code nextMarker}.
     */
    enum Paging {
        TOKEN("maxResults", "nextToken", "nextToken"),
        MARKER("pageSize", "marker", "nextMarker");

        final String size;
        final String from;
        final String next;

        Paging(String size, String from, String next) {
            this.size = size;
            this.from = from;
            this.next = next;
        }
    }

    private Params() {}

    static String text(JsonNode body, String field) {
        JsonNode node = body == null ? null : body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalidRequest(field + " must be a string");
        }
        return node.textValue();
    }

    static Long longValue(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            throw invalidRequest(field + " must be a whole number");
        }
        return node.longValue();
    }

    /** A whole-number query parameter, or null when absent. */
    static Long longParam(ApiRequest r, String name) {
        String value = r.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalidRequest(name + " must be a whole number");
        }
    }

    /** A whole number in the path, such as {@code executionNumber}. */
    static long longPath(Map<String, String> path, String name) {
        try {
            return Long.parseLong(path.get(name));
        } catch (NumberFormatException e) {
            throw invalidRequest(name + " must be a whole number");
        }
    }

    /** A boolean query parameter: absent is false; anything but true or false is refused. */
    static boolean bool(ApiRequest r, String name) {
        String value = r.queryParam(name);
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw invalidRequest(name + " must be true or false");
    }

    /** A name given as a name or as an ARN. */
    static String nameOf(String name, String arn, String what) {
        if (name != null) {
            return name;
        }
        String[] parsed = Arns.parse(arn);
        if (parsed == null) {
            throw invalidRequest(what + "Name or " + what + "Arn is required");
        }
        return parsed[1];
    }

    static List<String> stringList(JsonNode node, String field) {
        if (node == null || !node.isArray()) {
            throw invalidRequest(field + " must be a list of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()
                    || item.textValue().isEmpty()
                    || item.textValue().length() > 2048) {
                throw invalidRequest(field + " must hold strings of 1-2048 characters");
            }
            values.add(item.textValue());
        }
        return values;
    }

    static Map<String, String> stringMap(JsonNode node, String field) {
        if (!node.isObject()) {
            throw invalidRequest(field + " must be a map of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw invalidRequest(field + "." + e.getKey() + " must be a string");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }

    /** {@code attributePayload.attributes}, or an empty map. */
    static Map<String, String> attributes(JsonNode payload) {
        if (payload == null || payload.isMissingNode() || payload.isNull()) {
            return Map.of();
        }
        JsonNode attributes = payload.get("attributes");
        Map<String, String> map =
                attributes == null || attributes.isNull() ? Map.of() : stringMap(attributes, "attributes");
        if (map.size() > MAX_ATTRIBUTES) {
            throw invalidRequest("at most " + MAX_ATTRIBUTES + " attributes");
        }
        map.forEach((name, value) -> {
            if (!ATTRIBUTE_NAME.matcher(name).matches()) {
                throw invalidRequest("attribute name '" + name + "' must be 1-128 of [a-zA-Z0-9_.,@/:#=[]-]");
            }
            if (value.length() > MAX_ATTRIBUTE_VALUE) {
                throw invalidRequest(
                        "attribute " + name + " is " + value.length() + " characters; at most " + MAX_ATTRIBUTE_VALUE);
            }
        });
        return map;
    }

    /**
     * A create request's {@code tags} ({@code [{"Key": ..., "Value": ...}]}) or TagResource's: keys of 1-128 characters,
     * values of at most 256, at most {@link Tags#MAX_PER_RESOURCE}; empty when absent.
     */
    static Map<String, String> tags(JsonNode body) {
        JsonNode list = body.get("tags");
        Map<String, String> tags = new LinkedHashMap<>();
        if (list == null || list.isNull()) {
            return tags;
        }
        if (!list.isArray() || list.size() > Tags.MAX_PER_RESOURCE) {
            throw invalidRequest("tags must be a list of at most " + Tags.MAX_PER_RESOURCE + " {Key, Value}");
        }
        for (JsonNode t : list) {
            String key = t.path("Key").asText("");
            String value = t.path("Value").asText("");
            if (key.isEmpty() || key.length() > 128 || value.length() > 256) {
                throw invalidRequest("a tag needs a Key of 1-128 characters and a Value of at most 256");
            }
            tags.put(key, value);
        }
        return tags;
    }

    /** A description or comment: at most {@link #MAX_DESCRIPTION} characters, or null. */
    static String description(JsonNode body, String field) {
        String value = text(body, field);
        if (value != null && value.length() > MAX_DESCRIPTION) {
            throw invalidRequest(field + " is " + value.length() + " characters; at most " + MAX_DESCRIPTION);
        }
        return value;
    }

    /** A CreateJob configuration, read and checked against the model's limits; null when absent. */
    static <T extends JobConfig.Validated> T config(JsonNode body, String field, Class<T> type) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        T value;
        try {
            value = STRICT.treeToValue(node, type);
        } catch (Exception e) {
            throw invalidRequest(field + " is malformed");
        }
        try {
            value.validate();
        } catch (InvalidJobConfigException e) {
            throw invalidRequest(e.getMessage());
        }
        return value;
    }

    static void putIfNotNull(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    static void setIfNotNull(ObjectNode node, String field, Object value) {
        if (value != null) {
            node.set(field, JSON.valueToTree(value));
        }
    }

    /** Control-plane timestamps: fractional epoch seconds, millisecond precision (§1.3). */
    static BigDecimal seconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
    }

    /** A page of {@code items} with {@link Paging#TOKEN} names. */
    static <T> List<T> page(List<T> items, ApiRequest r, ObjectNode out) {
        return page(items, r, out, Paging.TOKEN);
    }

    /** A page of {@code items} by the request's page size and opaque position; sets the next position on out. */
    static <T> List<T> page(List<T> items, ApiRequest r, ObjectNode out, Paging paging) {
        int max = DEFAULT_PAGE;
        Long size = longParam(r, paging.size);
        if (size != null) {
            if (size < 1 || size > MAX_PAGE) {
                throw invalidRequest(paging.size + " must be 1-" + MAX_PAGE);
            }
            max = size.intValue();
        }
        int offset = 0;
        String token = r.queryParam(paging.from);
        if (token != null) {
            try {
                offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw invalidRequest(paging.from + " is invalid");
            }
            if (offset < 0 || offset > items.size()) {
                throw invalidRequest(paging.from + " is invalid");
            }
        }
        int end = Math.min(items.size(), offset + max);
        if (end < items.size()) {
            out.put(
                    paging.next,
                    Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)));
        }
        return items.subList(offset, end);
    }
}

package dev.fleetsim.scenario;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.iot.model.CreateJobRequest;

/**
 * AWS request shapes, taken from the AWS SDK's own model: a scenario's job is checked key by key against
 * {@code CreateJobRequest} (and its nested shapes: rollout, abort, timeout, retry, scheduling, presigned-URL
 * configurations), then turned into the SDK request through the model's serializable builders. So a job pasted from
 * what one would send to AWS is read exactly, and a misspelt field gets a suggestion instead of being ignored.
 */
public final class AwsShapes {
    private static final ObjectMapper BUILDERS = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.SETTER, JsonAutoDetect.Visibility.ANY);

    private AwsShapes() {}

    /** The fields of CreateJob, for errors and documentation. */
    static Map<String, Type> createJobFields() {
        return fields(CreateJobRequest.serializableBuilderClass());
    }

    /** Checks the keys of {@code value} against the shape, recursively; errors are "path: message". */
    static void check(JsonNode value, Type shape, String path, List<String> errors) {
        Class<?> raw = rawClass(shape);
        if (value == null || value.isNull()) {
            return;
        }
        if (raw != null && raw.getSimpleName().equals("BuilderImpl")) {
            if (!value.isObject()) {
                errors.add(path + ": expected a mapping of keys to values");
                return;
            }
            Map<String, Type> fields = fields(raw);
            Iterator<String> names = value.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                String child = path + "." + name;
                Type fieldType = fields.get(name);
                if (fieldType == null) {
                    errors.add(child + ": " + Node.unknownKey(name, fields.keySet(), path));
                } else {
                    check(value.get(name), fieldType, child, errors);
                }
            }
        } else if (raw == Integer.class || raw == Long.class || raw == int.class || raw == long.class) {
            if (!value.isIntegralNumber()) {
                errors.add(path + ": expected a whole number, not " + shown(value));
            }
        } else if (raw == Double.class || raw == double.class) {
            if (!value.isNumber()) {
                errors.add(path + ": expected a number, not " + shown(value));
            }
        } else if (raw == Boolean.class || raw == boolean.class) {
            if (!value.isBoolean()) {
                errors.add(path + ": expected true or false, not " + shown(value));
            }
        } else if (raw == String.class || (raw != null && raw.isEnum())) {
            if (!value.isValueNode()) {
                errors.add(path + ": expected a single value, not " + shown(value));
            }
        } else if (raw != null && Map.class.isAssignableFrom(raw)) {
            if (!value.isObject()) {
                errors.add(path + ": expected a mapping of keys to values, not " + shown(value));
            }
        } else if (raw != null && Collection.class.isAssignableFrom(raw) && shape instanceof ParameterizedType p) {
            if (!value.isArray()) {
                errors.add(path + ": expected a list");
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), p.getActualTypeArguments()[0], path + "[" + i + "]", errors);
            }
        }
    }

    /** A value as a user wrote it, for an error message: a list, a mapping, or the scalar quoted. */
    private static String shown(JsonNode value) {
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        return value.isTextual() ? "'" + value.asText() + "'" : value.toString();
    }

    /** The SDK request for a checked CreateJob body. */
    public static CreateJobRequest createJob(JsonNode body) {
        try {
            Object builder = BUILDERS.treeToValue(body, CreateJobRequest.serializableBuilderClass());
            return ((CreateJobRequest.Builder) builder).build();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    /** Property name → type, from the builder's bean setters ({@code setJobId} → {@code jobId}). */
    private static Map<String, Type> fields(Class<?> builder) {
        Map<String, Type> out = new LinkedHashMap<>();
        for (Method m : builder.getDeclaredMethods()) {
            if (m.getName().startsWith("set")
                    && m.getName().length() > 3
                    && m.getParameterCount() == 1
                    && !Modifier.isStatic(m.getModifiers())) {
                String name = Character.toLowerCase(m.getName().charAt(3))
                        + m.getName().substring(4);
                // Overloads take an enum or a builder; prefer the builder (nested shapes) over plain types.
                Type type = m.getGenericParameterTypes()[0];
                Type existing = out.get(name);
                if (existing == null || rawClass(type).getSimpleName().equals("BuilderImpl")) {
                    out.put(name, type);
                }
            }
        }
        out.keySet().removeIf(n -> n.toLowerCase(Locale.ROOT).equals("overrideconfiguration"));
        return out;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return Object.class;
    }
}

package dev.fleetsim.local.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A parsed AWS IoT Core policy document: {@code Version} and its statements ({@code Effect}, {@code Action} or
 * {@code NotAction}, {@code Resource} or {@code NotResource}, {@code Condition}).
 */
public record IotPolicy(String text, List<Statement> statements) {
    /** The largest policy document AWS accepts, in characters. */
    public static final int MAX_CHARS = 2048;

    /** One statement; action and resource patterns are kept as written (variables resolved at evaluation). */
    public record Statement(
            boolean allow,
            List<String> actions,
            boolean notAction,
            List<String> resources,
            boolean notResource,
            List<Condition> conditions) {}

    /** {@code "Operator": {"key": [values]}}, one key. */
    public record Condition(String operator, String key, List<String> values) {}

    /** A document AWS would refuse ({@code MalformedPolicyException}). */
    public static final class MalformedPolicyException extends IllegalArgumentException {
        public MalformedPolicyException(String message) {
            super(message);
        }
    }

    /** Parses and checks a document as CreatePolicy does. */
    public static IotPolicy parse(String text) {
        if (text == null || text.isBlank()) {
            throw new MalformedPolicyException("Policy document is empty");
        }
        if (text.replaceAll("\\s", "").length() > MAX_CHARS) {
            throw new MalformedPolicyException(
                    "Policy document exceeds " + MAX_CHARS + " characters (not counting white space)");
        }
        JsonNode root;
        try {
            root = JobsJson.readTree(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedPolicyException("Policy document is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedPolicyException("Policy document must be a JSON object");
        }
        JsonNode statementNode = root.get("Statement");
        if (statementNode == null) {
            throw new MalformedPolicyException("Policy document must contain Statement");
        }
        List<Statement> statements = new ArrayList<>();
        if (statementNode.isArray()) {
            for (JsonNode s : statementNode) {
                statements.add(statement(s));
            }
        } else {
            statements.add(statement(statementNode));
        }
        if (statements.isEmpty()) {
            throw new MalformedPolicyException("Policy document must contain at least one statement");
        }
        return new IotPolicy(text, List.copyOf(statements));
    }

    private static Statement statement(JsonNode s) {
        if (!s.isObject()) {
            throw new MalformedPolicyException("Each statement must be a JSON object");
        }
        String effect = s.path("Effect").asText("");
        if (!effect.equals("Allow") && !effect.equals("Deny")) {
            throw new MalformedPolicyException("Effect must be Allow or Deny, not '" + effect + "'");
        }
        boolean notAction = s.has("NotAction");
        List<String> actions = strings(s.get(notAction ? "NotAction" : "Action"), "Action");
        for (String a : actions) {
            if (!a.equals("*") && !a.matches("[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+")) {
                throw new MalformedPolicyException("Action '" + a + "' is not service:action, e.g. iot:Publish");
            }
        }
        boolean notResource = s.has("NotResource");
        List<String> resources = strings(s.get(notResource ? "NotResource" : "Resource"), "Resource");
        List<Condition> conditions = new ArrayList<>();
        JsonNode c = s.get("Condition");
        if (c != null) {
            if (!c.isObject()) {
                throw new MalformedPolicyException("Condition must be a JSON object");
            }
            Iterator<Map.Entry<String, JsonNode>> operators = c.fields();
            while (operators.hasNext()) {
                Map.Entry<String, JsonNode> op = operators.next();
                if (!op.getValue().isObject()) {
                    throw new MalformedPolicyException("Condition " + op.getKey() + " must map keys to values");
                }
                Iterator<Map.Entry<String, JsonNode>> keys = op.getValue().fields();
                while (keys.hasNext()) {
                    Map.Entry<String, JsonNode> k = keys.next();
                    conditions.add(new Condition(op.getKey(), k.getKey(), strings(k.getValue(), k.getKey())));
                }
            }
        }
        return new Statement(
                effect.equals("Allow"), actions, notAction, resources, notResource, List.copyOf(conditions));
    }

    private static List<String> strings(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw new MalformedPolicyException("Each statement must contain " + field);
        }
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (node.isValueNode()) {
            out.add(node.asText());
        } else {
            throw new MalformedPolicyException(field + " must be a string or a list of strings");
        }
        if (out.isEmpty()) {
            throw new MalformedPolicyException(field + " must not be empty");
        }
        return List.copyOf(out);
    }
}

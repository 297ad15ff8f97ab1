package dev.fleetsim.local.policy;

import java.util.Map;

/**
 * Who is asking, for policy variables and conditions: the connection's client id and, when that client id is the name
 * of a thing attached to the connection's certificate, that thing (AWS resolves the {@code iot:Connection.Thing.*}
 * variables only then).
 *
 * @param thingName the connection's thing, or null when the client id names no attached thing
 */
public record PolicyContext(
        String region,
        String accountId,
        String clientId,
        String thingName,
        String thingTypeName,
        Map<String, String> thingAttributes) {

    public PolicyContext {
        thingAttributes = thingAttributes == null ? Map.of() : Map.copyOf(thingAttributes);
    }

    /** Whether the connection's client id names a thing attached to its certificate. */
    public boolean isAttached() {
        return thingName != null;
    }

    /** {@code arn:aws:iot:<region>:<account>:<type>/<name>}. */
    public String arn(String type, String name) {
        return "arn:aws:iot:" + region + ":" + accountId + ":" + type + "/" + name;
    }

    /**
     * The value of a policy variable or condition key ({@code iot:ClientId}, {@code iot:Connection.Thing.ThingName}…),
     * or null when it does not resolve for this connection.
     */
    public String value(String key) {
        return switch (key) {
            case "iot:ClientId" -> clientId;
            case "iot:Connection.Thing.ThingName" -> thingName;
            case "iot:Connection.Thing.ThingTypeName" -> thingName == null ? null : thingTypeName;
            case "iot:Connection.Thing.IsAttached" -> Boolean.toString(isAttached());
            case "aws:SourceAccount", "iot:AccountId" -> accountId;
            default -> {
                String prefix = "iot:Connection.Thing.Attributes[";
                if (key.startsWith(prefix) && key.endsWith("]") && thingName != null) {
                    yield thingAttributes.get(key.substring(prefix.length(), key.length() - 1));
                }
                yield null;
            }
        };
    }
}

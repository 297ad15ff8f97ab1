package dev.fleetsim.local.policy;

import java.util.List;
import java.util.Locale;

/**
 * Evaluates IoT policies as IoT Core does: a request is allowed when some statement allows it and none denies it
 * (an explicit deny wins; no matching statement is a deny). Actions and resources match with {@code *} (any run of
 * characters) and {@code ?} (one character); MQTT's {@code +} and {@code #} are ordinary characters. Policy variables
 * {@code ${…}} are replaced before matching, {@code $(*)}, {@code $(?)} and {@code $($)} stand for the literal
 * characters, and a statement whose variable does not resolve for the connection does not match. Conditions:
 * {@code Bool}, {@code StringEquals}, {@code StringNotEquals}, {@code StringLike}, {@code StringNotLike},
 * {@code ArnEquals}, {@code ArnLike} (and their {@code IgnoreCase} forms where IAM has them), on the keys
 * {@link PolicyContext#value} knows; an unknown key never matches.
 */
public final class PolicyEvaluator {
    private PolicyEvaluator() {}

    /** Whether {@code policies} allow {@code action} (e.g. {@code iot:Publish}) on {@code resource} (an ARN). */
    public static boolean allows(List<IotPolicy> policies, String action, String resource, PolicyContext context) {
        boolean allowed = false;
        for (IotPolicy policy : policies) {
            for (IotPolicy.Statement s : policy.statements()) {
                if (!applies(s, action, resource, context)) {
                    continue;
                }
                if (!s.allow()) {
                    return false; // an explicit deny wins over every allow
                }
                allowed = true;
            }
        }
        return allowed;
    }

    private static boolean applies(IotPolicy.Statement s, String action, String resource, PolicyContext context) {
        boolean actionMatches = s.actions().stream()
                .anyMatch(a -> matches(a.toLowerCase(Locale.ROOT), action.toLowerCase(Locale.ROOT)));
        if (actionMatches == s.notAction()) {
            return false;
        }
        boolean resourceMatches = false;
        for (String pattern : s.resources()) {
            String resolved = substitute(pattern, context);
            if (resolved != null && matches(resolved, resource)) {
                resourceMatches = true;
                break;
            }
        }
        if (resourceMatches == s.notResource()) {
            return false;
        }
        for (IotPolicy.Condition c : s.conditions()) {
            if (!holds(c, context)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(IotPolicy.Condition c, PolicyContext context) {
        String operator = c.operator();
        boolean ifExists = operator.endsWith("IfExists");
        if (ifExists) {
            operator = operator.substring(0, operator.length() - "IfExists".length());
        }
        String actual = context.value(c.key());
        if (actual == null) {
            return ifExists;
        }
        List<String> wanted =
                c.values().stream().map(v -> substitute(v, context)).toList();
        return switch (operator) {
            case "Bool" -> wanted.stream().anyMatch(v -> v != null && v.equalsIgnoreCase(actual));
            case "StringEquals", "ArnEquals" -> wanted.contains(actual);
            case "StringEqualsIgnoreCase" -> wanted.stream().anyMatch(v -> v != null && v.equalsIgnoreCase(actual));
            case "StringNotEquals", "ArnNotEquals" -> !wanted.contains(actual);
            case "StringLike", "ArnLike" -> wanted.stream().anyMatch(v -> v != null && matches(v, actual));
            case "StringNotLike", "ArnNotLike" -> wanted.stream().noneMatch(v -> v != null && matches(v, actual));
            default -> false; // an operator fleetsim does not know never grants anything
        };
    }

    /**
     * Replaces {@code ${key}} with the context's value and {@code $(*)}, {@code $(?)}, {@code $($)} with escaped
     * literals; null when a variable does not resolve. Literal wildcard characters come out as {@code \*} and
     * {@code \?} so that {@link #matches} treats them as themselves.
     */
    static String substitute(String pattern, PolicyContext context) {
        if (pattern == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(pattern.length());
        int i = 0;
        while (i < pattern.length()) {
            char ch = pattern.charAt(i);
            if (ch == '$' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '{') {
                int end = pattern.indexOf('}', i + 2);
                if (end < 0) {
                    return null;
                }
                String value = context.value(pattern.substring(i + 2, end));
                if (value == null) {
                    return null;
                }
                escape(value, out);
                i = end + 1;
            } else if (ch == '$' && pattern.startsWith("$(*)", i)) {
                out.append("\\*");
                i += 4;
            } else if (ch == '$' && pattern.startsWith("$(?)", i)) {
                out.append("\\?");
                i += 4;
            } else if (ch == '$' && pattern.startsWith("$($)", i)) {
                out.append('$');
                i += 4;
            } else {
                out.append(ch);
                i++;
            }
        }
        return out.toString();
    }

    /** A variable's value is literal text: its {@code *}, {@code ?} and {@code \} must not act as wildcards. */
    private static void escape(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '*' || ch == '?' || ch == '\\') {
                out.append('\\');
            }
            out.append(ch);
        }
    }

    /** Glob match: {@code *} any run, {@code ?} one character, {@code \x} the character x. */
    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = -1;
        while (t < text.length()) {
            if (p < pattern.length()) {
                char c = pattern.charAt(p);
                if (c == '*') {
                    starP = p++;
                    starT = t;
                    continue;
                }
                if (c == '\\' && p + 1 < pattern.length()) {
                    if (pattern.charAt(p + 1) == text.charAt(t)) {
                        p += 2;
                        t++;
                        continue;
                    }
                } else if (c == '?' || c == text.charAt(t)) {
                    p++;
                    t++;
                    continue;
                }
            }
            if (starP >= 0) {
                p = starP + 1;
                t = ++starT;
                continue;
            }
            return false;
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}

package dev.fleetsim.jobs;

/**
 * Which characters a {@code statusDetails} value may hold (spec §1.2, §3.4).
 *
 * <p>The service model gives the pattern {@code [^\p{C}]+}, which forbids every control and format character,
 * line feed included. IoT Core does not hold to it: the AWS IoT Device Client reports a job's {@code stdout} and
 * {@code stderr} with their newlines (its SUCCEEDED update is {@code {"reason":"Job exited with status: 0",
 * "stdout":"hello\n"}}) and those values reach the execution's {@code statusDetails} on IoT Core. What AWS does with
 * other control characters is not documented, so the choice is a setting:
 *
 * <ul>
 *   <li>{@link #TEXT} (default): text as processes write it. Tab, line feed and carriage return are accepted, as are
 *       format characters (zero-width joiners in emoji, soft hyphens), private-use and unassigned code points; every
 *       other C0 control, DEL, the C1 controls and unpaired surrogates are refused.
 *   <li>{@link #MODEL}: the model's pattern {@code [^\p{C}]+}, exactly.
 *   <li>{@link #ANY}: no character is refused; only the length limits hold.
 * </ul>
 *
 * <p>Lengths are counted in Unicode code points, as the model's length constraints are: a character outside the
 * Basic Multilingual Plane (an emoji) counts once, not twice as in a Java {@code String}'s UTF-16 length.
 */
public enum StatusDetailChars {
    TEXT,
    MODEL,
    ANY;

    /** The first code point of {@code value} this rule refuses, or -1 when every one is accepted. */
    public int firstRefused(String value) {
        if (this == ANY) {
            return -1;
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (refuses(cp)) {
                return cp;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    private boolean refuses(int cp) {
        int type = Character.getType(cp);
        if (this == MODEL) {
            return type == Character.CONTROL
                    || type == Character.FORMAT
                    || type == Character.PRIVATE_USE
                    || type == Character.SURROGATE
                    || type == Character.UNASSIGNED;
        }
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return type == Character.CONTROL || type == Character.SURROGATE;
    }

    /** The value's length as the model counts it: Unicode code points. */
    public static int length(String value) {
        return value.codePointCount(0, value.length());
    }

    /** {@code U+000A} style, for error messages. */
    public static String describe(int codePoint) {
        return String.format("U+%04X", codePoint);
    }
}

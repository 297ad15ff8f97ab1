package dev.fleetsim.device;

import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.StatusDetailChars;

/** Text a device puts in {@code statusDetails}: what IoT Core accepts, cut as the AWS IoT Device Client cuts it. */
final class StatusText {
    private StatusText() {}

    /**
     * statusDetails values are at most 1,024 characters (§3.4): keep the end, as the Device Client does. Tabs and line
     * breaks stay (IoT Core accepts them); other control characters become spaces.
     */
    static String truncate(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder clean = new StringBuilder(value.length());
        value.codePoints().forEach(cp -> {
            if (StatusDetailChars.TEXT.firstRefused(Character.toString(cp)) >= 0) {
                clean.append(' ');
            } else {
                clean.appendCodePoint(cp);
            }
        });
        String text = clean.toString();
        int length = StatusDetailChars.length(text);
        return length <= JobsJson.MAX_STATUS_DETAIL_VALUE
                ? text
                : text.substring(text.offsetByCodePoints(0, length - JobsJson.MAX_STATUS_DETAIL_VALUE));
    }
}

package dev.fleetsim.local.s3;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The conditional and partial GETs of RFC 9110 as S3 applies them: {@code Range} (one range), {@code If-Match},
 * {@code If-None-Match}, {@code If-Modified-Since}, {@code If-Unmodified-Since} and {@code If-Range}. Pure functions.
 */
final class HttpConditions {
    private HttpConditions() {}

    /**
     * A single {@code bytes=} range as [start, end) within an object of {@code size} bytes; null to serve the whole
     * object (no range, several ranges, or one that does not parse, which HTTP says to ignore).
     *
     * @throws S3Exception {@code InvalidRange} (416) when the range starts at or beyond the end, or is an empty suffix
     */
    static long[] parseRange(String header, long size) {
        if (!header.startsWith("bytes=") || header.contains(",")) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        if (!digits(first) || !digits(last) || (first.isEmpty() && last.isEmpty())) {
            return null;
        }
        long start;
        long end;
        if (first.isEmpty()) {
            long suffix = parse(last);
            if (suffix == 0) {
                throw invalidRange(size);
            }
            start = Math.max(0, size - suffix);
            end = size;
        } else {
            start = parse(first);
            long lastByte = last.isEmpty() ? Long.MAX_VALUE : parse(last);
            if (lastByte < start) {
                return null; // syntactically invalid: ignored, as RFC 9110 says
            }
            // Without overflow: a last byte at or past the end means the end (bytes=0-9223372036854775807).
            end = lastByte >= size - 1 ? size : lastByte + 1;
        }
        if (start >= size) {
            throw invalidRange(size);
        }
        return new long[] {start, end};
    }

    private static boolean digits(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A decimal count; a number beyond {@code Long.MAX_VALUE} counts as the largest, which no object reaches. */
    private static long parse(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static S3Exception invalidRange(long size) {
        return new S3Exception(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
                Map.of("ActualObjectSize", Long.toString(size)));
    }

    /**
     * The status the conditional headers give: 412 or 304, or null to serve. {@code If-Match} and
     * {@code If-Unmodified-Since} can fail a request; {@code If-None-Match} and {@code If-Modified-Since} make it
     * "not modified" (S3's order: If-Match before If-Unmodified-Since, If-None-Match before If-Modified-Since).
     */
    static HttpResponseStatus preconditions(HttpHeaders h, String etag, Instant lastModified) {
        String ifMatch = h.get(HttpHeaderNames.IF_MATCH);
        String ifNoneMatch = h.get(HttpHeaderNames.IF_NONE_MATCH);
        Instant modified = lastModified.truncatedTo(ChronoUnit.SECONDS);
        if (ifMatch != null && !etagMatches(ifMatch, etag)) {
            return HttpResponseStatus.PRECONDITION_FAILED;
        }
        if (ifMatch == null) {
            Instant unmodifiedSince = httpDate(h.get(HttpHeaderNames.IF_UNMODIFIED_SINCE));
            if (unmodifiedSince != null && modified.isAfter(unmodifiedSince)) {
                return HttpResponseStatus.PRECONDITION_FAILED;
            }
        }
        if (ifNoneMatch != null) {
            return etagMatches(ifNoneMatch, etag) ? HttpResponseStatus.NOT_MODIFIED : null;
        }
        Instant modifiedSince = httpDate(h.get(HttpHeaderNames.IF_MODIFIED_SINCE));
        if (modifiedSince != null && !modified.isAfter(modifiedSince)) {
            return HttpResponseStatus.NOT_MODIFIED;
        }
        return null;
    }

    /** Whether {@code If-Range} (an entity tag or a date) says the object changed, so the range is ignored. */
    static boolean ifRangeFails(HttpHeaders h, String etag, Instant lastModified) {
        String ifRange = h.get(HttpHeaderNames.IF_RANGE);
        if (ifRange == null) {
            return false;
        }
        if (ifRange.startsWith("\"") || ifRange.startsWith("W/")) {
            return !etagMatches(ifRange, etag);
        }
        Instant date = httpDate(ifRange);
        return date == null || lastModified.truncatedTo(ChronoUnit.SECONDS).isAfter(date);
    }

    static boolean etagMatches(String header, String etag) {
        for (String candidate : header.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || c.equals(etag) || ("\"" + c + "\"").equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** An RFC 1123 date, or null when there is none or it does not parse (HTTP says to ignore it then). */
    static Instant httpDate(String text) {
        if (text == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

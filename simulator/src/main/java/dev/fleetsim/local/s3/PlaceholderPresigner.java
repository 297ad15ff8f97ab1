package dev.fleetsim.local.s3;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.local.jobs.DocumentPresigner;
import java.time.Clock;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${aws:iot:s3-presigned-url:…}} and {@code -v2} placeholders (spec §6.2) with URLs presigned against
 * the local store, fresh at every delivery. The URL inside the placeholder names the bucket and key in any of the
 * forms AWS's documents use: {@code https://s3.amazonaws.com/B/K}, {@code https://s3.<region>.amazonaws.com/B/K},
 * virtual-hosted {@code https://B.s3[.-]<region>.amazonaws.com/K}, {@code s3://B/K}, or the local store's own
 * {@code http://host:port/B/K}. The answer is path-style on the store's endpoint.
 */
public final class PlaceholderPresigner implements DocumentPresigner {
    private static final Pattern VIRTUAL_HOST = Pattern.compile("(.+)\\.s3[.-]([a-z0-9-]+\\.)?amazonaws\\.com(\\.cn)?");

    private final String endpoint;
    private final AccessKeyPair credentials;
    private final String region;
    private final Clock clock;

    public PlaceholderPresigner(String endpoint, AccessKeyPair credentials, String region, Clock clock) {
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.region = region;
        this.clock = clock;
    }

    @Override
    public String substitute(String documentText, long expiresInSec) {
        Matcher m = PLACEHOLDER.matcher(documentText);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = presign(m.group(1), expiresInSec);
            m.appendReplacement(out, Matcher.quoteReplacement(url == null ? m.group() : url));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The presigned URL for the object a placeholder names; null when it names none. */
    public String presign(String placeholderUrl, long expiresInSec) {
        String[] location = location(placeholderUrl);
        if (location == null) {
            return null;
        }
        return SigV4.presignGet(
                credentials,
                region,
                endpoint,
                "/" + location[0] + "/" + SigV4.encodePath(location[1]),
                clock.instant(),
                expiresInSec);
    }

    /** {bucket, key} of a placeholder's URL, or null. Parsed by hand: keys may hold spaces and other raw text. */
    static String[] location(String text) {
        String t = text.trim();
        int scheme = t.indexOf("://");
        if (scheme <= 0) {
            return null;
        }
        String rest = t.substring(scheme + 3);
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        String host = rest.substring(0, slash).toLowerCase(Locale.ROOT);
        String path = rest.substring(slash + 1);
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (t.substring(0, scheme).equals("s3")) {
            return split(host, path);
        }
        Matcher virtual = VIRTUAL_HOST.matcher(host);
        if (virtual.matches()) {
            return split(virtual.group(1), path);
        }
        // Path style: s3.amazonaws.com, s3.<region>.amazonaws.com, or a local endpoint.
        int bucketEnd = path.indexOf('/');
        if (bucketEnd <= 0) {
            return null;
        }
        return split(path.substring(0, bucketEnd), path.substring(bucketEnd + 1));
    }

    private static String[] split(String bucket, String rawKey) {
        if (bucket.isEmpty() || rawKey.isEmpty()) {
            return null;
        }
        return new String[] {bucket, SigV4.percentDecode(rawKey)};
    }
}

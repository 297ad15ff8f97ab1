package dev.fleetsim.local.s3;

import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;

/** ListBuckets, and ListObjectsV2 / ListObjects (v1) with prefix, delimiter, page size and continuation. */
final class Listings {
    private Listings() {}

    static String buckets(ObjectStore store) {
        StringBuilder out = new StringBuilder("<ListAllMyBucketsResult xmlns=\"" + S3Xml.XMLNS + "\">");
        out.append("<Owner><ID>fleetsim</ID><DisplayName>fleetsim</DisplayName></Owner><Buckets>");
        for (String name : store.bucketNames()) {
            out.append("<Bucket><Name>")
                    .append(S3Xml.escape(name))
                    .append("</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>");
        }
        return out.append("</Buckets></ListAllMyBucketsResult>").toString();
    }

    /** ListObjectsV2 ({@code list-type=2}) or ListObjects (v1, markers). */
    static String objects(ObjectStore store, String bucket, Map<String, String> query) {
        boolean v2 = "2".equals(query.get("list-type"));
        String prefix = query.getOrDefault("prefix", "");
        String delimiter = query.get("delimiter");
        boolean urlEncoding = "url".equals(query.get("encoding-type"));
        int maxKeys;
        try {
            maxKeys = Math.min(1000, Integer.parseInt(query.getOrDefault("max-keys", "1000")));
        } catch (NumberFormatException e) {
            throw S3Exception.invalidArgument("max-keys must be an integer");
        }
        if (maxKeys < 0) {
            throw S3Exception.invalidArgument("max-keys must not be negative");
        }
        String after;
        if (v2) {
            String token = query.get("continuation-token");
            if (token != null) {
                try {
                    after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw S3Exception.invalidArgument("The continuation token provided is incorrect");
                }
            } else {
                after = query.get("start-after");
            }
        } else {
            after = query.get("marker");
        }
        NavigableMap<String, ObjectStore.Meta> keys = store.keys(bucket, after);
        List<ObjectStore.Meta> contents = new ArrayList<>();
        TreeSet<String> prefixes = new TreeSet<>();
        String last = null;
        boolean truncated = false;
        for (Map.Entry<String, ObjectStore.Meta> e : keys.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(prefix)) {
                if (k.compareTo(prefix) > 0) {
                    break;
                }
                continue;
            }
            String common = null;
            if (delimiter != null && !delimiter.isEmpty()) {
                int at = k.indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    common = k.substring(0, at + delimiter.length());
                }
            }
            if (common != null && prefixes.contains(common)) {
                last = k;
                continue;
            }
            if (contents.size() + prefixes.size() >= maxKeys) {
                truncated = true;
                break;
            }
            if (common != null) {
                prefixes.add(common);
            } else {
                contents.add(e.getValue());
            }
            last = k;
        }
        String root = "ListBucketResult";
        StringBuilder out = new StringBuilder("<" + root + " xmlns=\"" + S3Xml.XMLNS + "\">");
        out.append("<Name>").append(S3Xml.escape(bucket)).append("</Name>");
        out.append("<Prefix>")
                .append(S3Xml.escape(S3Xml.encodeIf(prefix, urlEncoding)))
                .append("</Prefix>");
        if (delimiter != null) {
            out.append("<Delimiter>")
                    .append(S3Xml.escape(S3Xml.encodeIf(delimiter, urlEncoding)))
                    .append("</Delimiter>");
        }
        out.append("<MaxKeys>").append(maxKeys).append("</MaxKeys>");
        if (urlEncoding) {
            out.append("<EncodingType>url</EncodingType>");
        }
        out.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
        if (v2) {
            out.append("<KeyCount>").append(contents.size() + prefixes.size()).append("</KeyCount>");
            if (query.containsKey("continuation-token")) {
                out.append("<ContinuationToken>")
                        .append(S3Xml.escape(query.get("continuation-token")))
                        .append("</ContinuationToken>");
            }
            if (query.containsKey("start-after")) {
                out.append("<StartAfter>")
                        .append(S3Xml.escape(S3Xml.encodeIf(query.get("start-after"), urlEncoding)))
                        .append("</StartAfter>");
            }
            if (truncated && last != null) {
                out.append("<NextContinuationToken>")
                        .append(Base64.getUrlEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)))
                        .append("</NextContinuationToken>");
            }
        } else {
            out.append("<Marker>")
                    .append(S3Xml.escape(after == null ? "" : after))
                    .append("</Marker>");
            if (truncated && last != null && delimiter != null) {
                out.append("<NextMarker>").append(S3Xml.escape(last)).append("</NextMarker>");
            }
        }
        for (ObjectStore.Meta m : contents) {
            out.append("<Contents><Key>")
                    .append(S3Xml.escape(S3Xml.encodeIf(m.key(), urlEncoding)))
                    .append("</Key><LastModified>")
                    .append(m.lastModified().truncatedTo(ChronoUnit.MILLIS))
                    .append("</LastModified><ETag>")
                    .append(S3Xml.escape(m.etag()))
                    .append("</ETag><Size>")
                    .append(m.size())
                    .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        for (String p : prefixes) {
            out.append("<CommonPrefixes><Prefix>")
                    .append(S3Xml.escape(S3Xml.encodeIf(p, urlEncoding)))
                    .append("</Prefix></CommonPrefixes>");
        }
        return out.append("</").append(root).append(">").toString();
    }
}

package dev.fleetsim.local.s3;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * A PUT in progress: plain bodies go straight to the upload; {@code aws-chunked} bodies are decoded (each chunk's
 * signature checked when the seed was signed) with the trailing checksum taken from the trailer.
 */
final class ObjectPut {
    private final ObjectStore.Upload upload;
    private final SigV4.Verified auth;
    private final String payloadHash;
    private final String contentType;
    private final String contentMd5;
    private final Map<String, String> userMetadata = new LinkedHashMap<>();
    private final Map<String, String> declaredChecksums = new LinkedHashMap<>();
    private final Map<String, Checksum> crcs = new LinkedHashMap<>();
    private MessageDigest sha1;
    private final ChunkDecoder chunked;
    private final long decodedLength;

    ObjectPut(ObjectStore.Upload upload, SigV4.Verified auth, HttpHeaders h) {
        this.upload = upload;
        this.auth = auth;
        this.payloadHash = auth.payloadHash();
        this.contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
        this.contentMd5 = h.get("content-md5");
        String decoded = h.get("x-amz-decoded-content-length");
        this.decodedLength = decoded == null ? -1 : Long.parseLong(decoded.trim());
        for (Map.Entry<String, String> e : h) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("x-amz-meta-")) {
                userMetadata.put(name.substring("x-amz-meta-".length()), e.getValue());
            } else if (name.startsWith("x-amz-checksum-")
                    && !name.equals("x-amz-checksum-algorithm")
                    && !name.equals("x-amz-checksum-type")) {
                declaredChecksums.put(name.substring("x-amz-checksum-".length()), e.getValue());
            }
        }
        String trailer = h.get("x-amz-trailer");
        List<String> algorithms = new ArrayList<>(declaredChecksums.keySet());
        if (trailer != null && trailer.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum-")) {
            algorithms.add(trailer.toLowerCase(Locale.ROOT).substring("x-amz-checksum-".length()));
        }
        for (String algorithm : algorithms) {
            switch (algorithm) {
                case "crc32" -> crcs.put("crc32", new CRC32());
                case "crc32c" -> crcs.put("crc32c", new CRC32C());
                case "sha1" -> sha1 = S3Xml.digest("SHA-1");
                case "sha256" -> {} // the upload hashes SHA-256 anyway
                default ->
                    throw S3Exception.invalidArgument("the checksum algorithm " + algorithm
                            + " is not supported by the local store (crc32, crc32c, sha1, sha256 are)");
            }
        }
        boolean streaming = payloadHash.startsWith("STREAMING-")
                || String.valueOf(h.get(HttpHeaderNames.CONTENT_ENCODING)).contains("aws-chunked");
        this.chunked = streaming
                ? new ChunkDecoder(payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") ? auth : null)
                : null;
    }

    void feed(ByteBuf data) {
        if (chunked != null) {
            chunked.feed(data, this::write);
        } else {
            write(data);
        }
    }

    private void write(ByteBuf data) {
        for (ByteBuffer b : data.nioBuffers()) {
            for (Checksum c : crcs.values()) {
                c.update(b.duplicate());
            }
            if (sha1 != null) {
                sha1.update(b.duplicate());
            }
            upload.write(b);
        }
    }

    void trailers(HttpHeaders trailing) {
        if (chunked != null) {
            chunked.trailers().forEach((k, v) -> {
                if (k.startsWith("x-amz-checksum-")) {
                    declaredChecksums.put(k.substring("x-amz-checksum-".length()), v);
                }
            });
        }
        trailing.forEach(e -> {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("x-amz-checksum-")) {
                declaredChecksums.put(name.substring("x-amz-checksum-".length()), e.getValue());
            }
        });
    }

    /** Checks what the client declared against what arrived, commits, and returns the answer's headers. */
    Map<String, String> finish() {
        if (chunked != null && !chunked.complete()) {
            upload.abort();
            throw new S3Exception(400, "IncompleteBody", "The request body terminated unexpectedly");
        }
        if (decodedLength >= 0 && decodedLength != upload.size()) {
            upload.abort();
            throw new S3Exception(
                    400,
                    "IncompleteBody",
                    "You did not provide the number of bytes specified by the Content-Length HTTP header");
        }
        String sha256Hex = upload.sha256Hex();
        if (payloadHash.length() == 64 && !payloadHash.equalsIgnoreCase(sha256Hex)) {
            upload.abort();
            throw new S3Exception(
                    400,
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    Map.of("ClientComputedContentSHA256", payloadHash, "S3ComputedContentSHA256", sha256Hex));
        }
        if (contentMd5 != null && !contentMd5.equals(upload.md5Base64())) {
            upload.abort();
            throw new S3Exception(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
        Map<String, String> computed = new LinkedHashMap<>();
        crcs.forEach((name, c) -> computed.put(name, base64Int((int) c.getValue())));
        if (sha1 != null) {
            computed.put("sha1", Base64.getEncoder().encodeToString(sha1.digest()));
        }
        computed.put("sha256", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex)));
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> d : declaredChecksums.entrySet()) {
            String actual = computed.get(d.getKey());
            if (actual == null) {
                continue;
            }
            if (!actual.equals(d.getValue())) {
                upload.abort();
                throw new S3Exception(
                        400,
                        "BadDigest",
                        "The " + d.getKey().toUpperCase(Locale.ROOT)
                                + " you specified did not match the calculated checksum.");
            }
            kept.put(d.getKey(), actual);
        }
        ObjectStore.Meta meta = upload.commit(contentType, kept, userMetadata, sha256Hex);
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("ETag", meta.etag());
        if (meta.versionId() != null) { // a part has none
            answer.put("x-amz-version-id", meta.versionId());
        }
        kept.forEach((k, v) -> answer.put("x-amz-checksum-" + k, v));
        return answer;
    }

    void abort() {
        upload.abort();
    }

    private static String base64Int(int value) {
        return Base64.getEncoder()
                .encodeToString(
                        new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }
}

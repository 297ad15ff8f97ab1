package dev.fleetsim.local.s3;

import java.util.LinkedHashMap;
import java.util.Map;

/** An S3 error answer: HTTP status, S3 error code, message and the extra elements S3 puts in its XML. */
public final class S3Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, String> details;

    public S3Exception(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public S3Exception(int status, String code, String message, Map<String, String> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = new LinkedHashMap<>(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Extra elements of the {@code <Error>} document, in order (e.g. {@code Key}, {@code BucketName}). */
    public Map<String, String> details() {
        return details;
    }

    static S3Exception accessDenied(String message) {
        return new S3Exception(403, "AccessDenied", message);
    }

    /** An upload over the store's limit; {@code proposed} is the size the client declared, or -1 when unknown. */
    static S3Exception entityTooLarge(long proposed, long max) {
        Map<String, String> details = new LinkedHashMap<>();
        if (proposed >= 0) {
            details.put("ProposedSize", Long.toString(proposed));
        }
        details.put("MaxSizeAllowed", Long.toString(max));
        return new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", details);
    }

    static S3Exception noSuchBucket(String bucket) {
        return new S3Exception(
                404, "NoSuchBucket", "The specified bucket does not exist", Map.of("BucketName", bucket));
    }

    static S3Exception noSuchKey(String key) {
        return new S3Exception(404, "NoSuchKey", "The specified key does not exist.", Map.of("Key", key));
    }

    static S3Exception invalidArgument(String message) {
        return new S3Exception(400, "InvalidArgument", message);
    }
}

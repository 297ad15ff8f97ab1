package dev.fleetsim.local.s3;

import java.util.Objects;

/**
 * The access key the local store accepts. The store checks SigV4 signatures like S3 does, so clients must sign with
 * this pair (the AWS SDK or CLI with {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}); it is also the key
 * the Jobs service presigns placeholder URLs with.
 */
public record S3Credentials(String accessKeyId, String secretAccessKey) {
    /** The default pair, written to {@code endpoints.json}. */
    public static final S3Credentials DEFAULT = new S3Credentials("local", "local");

    public S3Credentials {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }
}

package dev.fleetsim.aws;

import java.util.Objects;

/**
 * A static AWS access key pair. The local stack's artifact store checks SigV4 signatures like S3 does, so clients sign
 * with {@link #DEFAULT} (the AWS SDK or CLI with {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}); the Jobs
 * service presigns placeholder URLs with it too.
 */
public record AccessKeyPair(String accessKeyId, String secretAccessKey) {
    /** The local stack's default pair, written to {@code endpoints.json}. */
    public static final AccessKeyPair DEFAULT = new AccessKeyPair("local", "local");

    public AccessKeyPair {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }
}

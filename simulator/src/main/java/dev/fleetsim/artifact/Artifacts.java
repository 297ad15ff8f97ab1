package dev.fleetsim.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/** Hashing, signing and uploading artifacts. */
public final class Artifacts {
    private Artifacts() {}

    /**
     * Hashes (and signs, with {@code signer} not null) {@code file} in one streaming pass, then uploads it to
     * {@code bucket/key}, creating the bucket when {@code createBucket} and it is missing.
     */
    public static Artifact upload(
            S3Client s3, String bucket, String key, Path file, PrivateKey signer, boolean createBucket)
            throws IOException {
        MessageDigest sha256;
        Signature signature = null;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            if (signer != null) {
                signature = Signature.getInstance("SHA256withECDSA");
                signature.initSign(signer);
            }
            byte[] buffer = new byte[256 * 1024];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sha256.update(buffer, 0, n);
                    if (signature != null) {
                        signature.update(buffer, 0, n);
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash or sign " + file, e);
        }
        String signatureBase64;
        try {
            signatureBase64 = signature == null ? null : Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign " + file, e);
        }
        if (createBucket) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (NoSuchBucketException e) {
                s3.createBucket(b -> b.bucket(bucket));
            }
        }
        PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
        return new Artifact(
                bucket,
                key,
                Files.size(file),
                HexFormat.of().formatHex(sha256.digest()),
                put.versionId(),
                signatureBase64);
    }

    /** Writes {@code size} bytes of seeded pseudo-random content to {@code file} (a generated firmware image). */
    public static void generate(Path file, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                for (int i = 0; i < buffer.length; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8 && i + j < buffer.length; j++) {
                        buffer[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                int n = (int) Math.min(left, buffer.length);
                out.write(buffer, 0, n);
                left -= n;
            }
        }
    }
}

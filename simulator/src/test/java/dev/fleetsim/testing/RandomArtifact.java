package dev.fleetsim.testing;

import dev.fleetsim.local.LocalStack;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import java.util.Random;

/**
 * Seeded random bytes with their SHA-256 and their code signature (ECDSA P-256 over SHA-256) by a fresh key, as a job
 * document declares them, for download tests against the local store.
 */
public record RandomArtifact(byte[] bytes, String sha256Hex, byte[] signature, KeyPair signer) {
    public static RandomArtifact of(int size, long seed) throws GeneralSecurityException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signer = generator.generateKeyPair();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(signer.getPrivate());
        s.update(bytes);
        return new RandomArtifact(bytes, sha, s.sign(), signer);
    }

    /** Stores the bytes in {@code stack}'s artifact store as {@code bucket/key}, creating the bucket. */
    public void storeIn(LocalStack stack, String bucket, String key) {
        stack.s3().store().createBucket(bucket);
        stack.s3().store().put(bucket, key, bytes, "application/octet-stream");
    }
}

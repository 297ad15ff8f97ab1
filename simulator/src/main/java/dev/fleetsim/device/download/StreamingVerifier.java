package dev.fleetsim.device.download;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;

/**
 * Checks an artifact while it streams: SHA-256 of every byte and, for a signed document, the ECDSA (SHA-256) code
 * signature over the same bytes, fed from the network's own buffers (no copy). At the end it compares size, hash and
 * signature with what the job document declared. One transfer, one thread (the device's loop).
 */
final class StreamingVerifier {
    private final Long expectedSize;
    private final String expectedSha256Hex;
    private final byte[] signature;
    private final PublicKey signer;
    private MessageDigest sha256;
    private Signature verifier;
    private long bytes;

    /**
     * @param expectedSize the document's size, or null
     * @param expectedSha256Hex the document's SHA-256, or null
     * @param signature the document's code signature, or null
     * @param signer the code-signing certificate's key, or null (a signed artifact then fails)
     */
    StreamingVerifier(Long expectedSize, String expectedSha256Hex, byte[] signature, PublicKey signer) {
        this.expectedSize = expectedSize;
        this.expectedSha256Hex = expectedSha256Hex;
        this.signature = signature;
        this.signer = signer;
        reset();
    }

    /** From byte 0 again (a server that ignored a resume). */
    void reset() {
        bytes = 0;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            verifier = null;
            if (signature != null && signer != null) {
                verifier = Signature.getInstance("SHA256withECDSA");
                verifier.initVerify(signer);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 and SHA256withECDSA are part of every JDK", e);
        }
    }

    /** Takes the readable bytes of {@code buf} without moving its reader index. */
    void update(ByteBuf buf) {
        for (ByteBuffer b : buf.nioBuffers()) {
            sha256.update(b.duplicate());
            if (verifier != null) {
                try {
                    verifier.update(b.duplicate());
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        bytes += buf.readableBytes();
    }

    long bytes() {
        return bytes;
    }

    /** The SHA-256 of every byte so far; ends the digest. */
    String finishSha256Hex() {
        return HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * Why the artifact fails its document's checks, or null when it passes: size first, then hash, then signature.
     *
     * @param sha256Hex the value {@link #finishSha256Hex()} returned
     */
    String failure(String sha256Hex) {
        if (expectedSize != null && bytes != expectedSize) {
            return "size mismatch: the document says " + expectedSize + " bytes, received " + bytes;
        }
        if (expectedSha256Hex != null && !expectedSha256Hex.equalsIgnoreCase(sha256Hex)) {
            return "SHA-256 mismatch: expected " + expectedSha256Hex + ", got " + sha256Hex;
        }
        if (signature != null) {
            boolean valid;
            try {
                valid = verifier != null && verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                valid = false;
            }
            if (!valid) {
                return signer == null
                        ? "the artifact is signed but the device has no code-signing certificate"
                        : "the code signature does not verify (SHA256withECDSA)";
            }
        }
        return null;
    }
}

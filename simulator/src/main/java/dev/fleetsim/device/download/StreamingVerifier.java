package dev.fleetsim.device.download;

import dev.fleetsim.net.BlockingWork;
import dev.fleetsim.net.EventLoops;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Checks an artifact while it streams: SHA-256 of every byte and, for a signed document, the ECDSA (SHA-256) code
 * signature over the same bytes, fed from the network's own buffers (no copy). At the end it compares size, hash and
 * signature with what the job document declared.
 *
 * <p>Hashing runs on the device's loop, or, for a piece the transfer hands over ({@link #update(ByteBuf, boolean)}),
 * on a {@link BlockingWork.Lane} of the shared pool: in order, one piece at a time, while the loop reads the next. A
 * piece handed over is retained until hashed; once one is in the lane, every later piece follows it there, so the
 * digests see the bytes in order. {@link #backlogged()} tells the transfer to stop reading, {@link #whenCaughtUp} and
 * {@link #whenHashed} when to go on. Loop-confined (the lane's tasks touch only the digests they were given, and hop
 * back to the loop to report).
 */
final class StreamingVerifier {
    /**
     * Bytes handed to the lane and not hashed yet, above which the transfer stops reading; it reads again at half. On 2
     * cores one 1 GiB stream ran at 70 % of a core's SHA-256 speed with 2 or 4 MiB (resuming at a quarter), 81 % with
     * 8 MiB (at half): the lane must not run dry while the loop wakes and the server refills the socket.
     */
    static final long MAX_HASHING = 8L * 1024 * 1024;

    private static final long RESUME_AT = MAX_HASHING / 2;

    private final Long expectedSize;
    private final String expectedSha256Hex;
    private final byte[] signature;
    private final PublicKey signer;
    private final Executor loop;
    private MessageDigest sha256;
    private Signature verifier;
    private long bytes;
    private BlockingWork.Lane lane;
    private long hashing;
    private final List<Runnable> onCaughtUp = new ArrayList<>();
    private final List<Runnable> onHashed = new ArrayList<>();

    /**
     * @param expectedSize the document's size, or null
     * @param expectedSha256Hex the document's SHA-256, or null
     * @param signature the document's code signature, or null
     * @param signer the code-signing certificate's key, or null (a signed artifact then fails)
     * @param loop the thread that owns this verifier, where the lane reports back
     */
    StreamingVerifier(Long expectedSize, String expectedSha256Hex, byte[] signature, PublicKey signer, Executor loop) {
        this.expectedSize = expectedSize;
        this.expectedSha256Hex = expectedSha256Hex;
        this.signature = signature;
        this.signer = signer;
        this.loop = loop;
        reset();
    }

    /** From byte 0 again (a server that ignored a resume). Pieces still in the lane go into the old digests. */
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

    /**
     * Takes the readable bytes of {@code buf} without moving its reader index: hashed in the lane when {@code offload}
     * or when pieces before it are still there, else here and now.
     *
     * @return whether the bytes went to the lane
     */
    boolean update(ByteBuf buf, boolean offload) {
        int n = buf.readableBytes();
        bytes += n;
        if (hashing == 0 && !offload) {
            hash(buf, sha256, verifier);
            return false;
        }
        MessageDigest d = sha256;
        Signature v = verifier;
        ByteBuf piece = buf.retainedSlice();
        hashing += n;
        if (lane == null) {
            lane = BlockingWork.shared().lane();
        }
        lane.execute(() -> {
            try {
                hash(piece, d, v);
            } finally {
                piece.release();
                EventLoops.executeUnlessStopping(loop, () -> hashed(n));
            }
        });
        return true;
    }

    private static void hash(ByteBuf buf, MessageDigest d, Signature v) {
        for (ByteBuffer b : buf.nioBuffers()) {
            d.update(b.duplicate());
            if (v != null) {
                try {
                    v.update(b.duplicate());
                } catch (SignatureException e) {
                    throw new IllegalStateException("initialised for verification in reset()", e);
                }
            }
        }
    }

    private void hashed(int n) {
        hashing -= n;
        if (hashing <= RESUME_AT && !onCaughtUp.isEmpty()) {
            run(onCaughtUp);
        }
        if (hashing == 0 && !onHashed.isEmpty()) {
            run(onHashed);
        }
    }

    private static void run(List<Runnable> waiting) {
        List<Runnable> now = new ArrayList<>(waiting);
        waiting.clear();
        now.forEach(Runnable::run);
    }

    /** Whether the transfer should stop reading until the lane catches up. */
    boolean backlogged() {
        return hashing > MAX_HASHING;
    }

    /** Runs {@code then} once the lane holds half of {@link #MAX_HASHING} or less (at once if it does now). */
    void whenCaughtUp(Runnable then) {
        if (hashing <= RESUME_AT) {
            then.run();
        } else {
            onCaughtUp.add(then);
        }
    }

    /** Runs {@code then} once every byte so far is hashed (at once if it is now). */
    void whenHashed(Runnable then) {
        if (hashing == 0) {
            then.run();
        } else {
            onHashed.add(then);
        }
    }

    long bytes() {
        return bytes;
    }

    /** The SHA-256 of every byte so far; ends the digest. */
    String finishSha256Hex() {
        if (hashing > 0) {
            throw new IllegalStateException("pieces are still being hashed: finish in whenHashed");
        }
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

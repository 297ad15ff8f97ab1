package dev.fleetsim.device.download;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The checks a download makes while it streams: size, SHA-256 (FIPS 180-2's "abc" example) and code signature. */
class StreamingVerifierTest {
    private static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);
    private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static KeyPair signer;
    private static KeyPair stranger;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        signer = generator.generateKeyPair();
        stranger = generator.generateKeyPair();
    }

    private static byte[] sign(KeyPair keys, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(keys.getPrivate());
        s.update(data);
        return s.sign();
    }

    /** Feeds {@code data} one byte per buffer, as a worst case of small reads. */
    private static void feedByteByByte(StreamingVerifier verifier, byte[] data) {
        for (byte b : data) {
            ByteBuf one = Unpooled.wrappedBuffer(new byte[] {b});
            verifier.update(one, false);
            assertThat(one.readerIndex()).as("the buffer is read in place").isZero();
        }
    }

    @Test
    void aMatchingArtifactPassesEveryCheck() throws Exception {
        StreamingVerifier verifier =
                new StreamingVerifier(3L, ABC_SHA256, sign(signer, ABC), signer.getPublic(), Runnable::run);

        feedByteByByte(verifier, ABC);
        String sha = verifier.finishSha256Hex();

        assertThat(sha).isEqualTo(ABC_SHA256);
        assertThat(verifier.failure(sha)).isNull();
        assertThat(verifier.bytes()).isEqualTo(3);
    }

    @Test
    void sizeIsCheckedFirstThenTheHashThenTheSignature() throws Exception {
        StreamingVerifier size = new StreamingVerifier(4L, ABC_SHA256, null, null, Runnable::run);
        size.update(Unpooled.wrappedBuffer(ABC), false);
        assertThat(size.failure(size.finishSha256Hex())).startsWith("size mismatch");

        StreamingVerifier hash = new StreamingVerifier(3L, "00" + ABC_SHA256.substring(2), null, null, Runnable::run);
        hash.update(Unpooled.wrappedBuffer(ABC), false);
        assertThat(hash.failure(hash.finishSha256Hex())).startsWith("SHA-256 mismatch");

        StreamingVerifier foreign =
                new StreamingVerifier(3L, ABC_SHA256, sign(stranger, ABC), signer.getPublic(), Runnable::run);
        foreign.update(Unpooled.wrappedBuffer(ABC), false);
        assertThat(foreign.failure(foreign.finishSha256Hex())).contains("does not verify");
    }

    @Test
    void aSignedArtifactWithoutACertificateOnTheDeviceFails() throws Exception {
        StreamingVerifier verifier = new StreamingVerifier(null, null, sign(signer, ABC), null, Runnable::run);
        verifier.update(Unpooled.wrappedBuffer(ABC), false);

        assertThat(verifier.failure(verifier.finishSha256Hex())).contains("no code-signing certificate");
    }

    @Test
    void aResetStartsTheChecksFromByteZero() throws Exception {
        StreamingVerifier verifier =
                new StreamingVerifier(3L, ABC_SHA256, sign(signer, ABC), signer.getPublic(), Runnable::run);
        verifier.update(Unpooled.wrappedBuffer("xyz and more".getBytes(StandardCharsets.US_ASCII)), false);

        verifier.reset();
        feedByteByByte(verifier, ABC);

        assertThat(verifier.failure(verifier.finishSha256Hex())).isNull();
    }

    @Test
    void piecesHashedAsideKeepTheirOrderAcrossAReset() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            byte[] data = new byte[6 * 1024 * 1024];
            new Random(5).nextBytes(data);
            String expected = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            Signature signing = Signature.getInstance("SHA256withECDSA");
            signing.initSign(signer.getPrivate());
            signing.update(data);
            byte[] sig = signing.sign();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            loop.execute(() -> {
                StreamingVerifier verifier =
                        new StreamingVerifier((long) data.length, expected, sig, signer.getPublic(), loop);
                // Bytes of a body the server then abandons: handed over, and still in the lane at the reset.
                verifier.update(Unpooled.wrappedBuffer(new byte[1024 * 1024]), true);
                verifier.reset();
                new Feeder(loop, verifier, data, outcome).next();
            });

            String[] result = outcome.get(30, TimeUnit.SECONDS).split(" ", 4);
            assertThat(Integer.parseInt(result[0]))
                    .as("pieces hashed in the lane")
                    .isGreaterThanOrEqualTo(12);
            assertThat(Integer.parseInt(result[1]))
                    .as("pieces hashed on the loop")
                    .isGreaterThanOrEqualTo(24);
            assertThat(Integer.parseInt(result[0]) + Integer.parseInt(result[1]))
                    .isEqualTo(48);
            assertThat(result[2]).isEqualTo(expected);
            assertThat(result[3]).as("size, hash and signature all pass").isEqualTo("null");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDigestIsNotFinishedWhilePiecesAreInTheLane() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            CompletableFuture<Throwable> early = new CompletableFuture<>();
            loop.execute(() -> {
                StreamingVerifier verifier = new StreamingVerifier(null, null, null, null, loop);
                verifier.update(Unpooled.wrappedBuffer(new byte[8 * 1024 * 1024]), true);
                try {
                    verifier.finishSha256Hex();
                    early.complete(null);
                } catch (IllegalStateException e) {
                    early.complete(e);
                }
            });

            assertThat(early.get(30, TimeUnit.SECONDS)).hasMessageContaining("whenHashed");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Feeds 48 pieces of 128 KiB, one loop task each, in rounds of four: the first asks for the lane, the second
     * follows it there (unless the lane was already done with the first), then the feeder waits for the lane to drain,
     * so the last two are hashed on the loop.
     */
    private static final class Feeder {
        private static final int PIECE = 128 * 1024;
        private final DefaultEventLoop loop;
        private final StreamingVerifier verifier;
        private final byte[] data;
        private final CompletableFuture<String> outcome;
        private int at;
        private int lane;
        private int inline;

        Feeder(DefaultEventLoop loop, StreamingVerifier verifier, byte[] data, CompletableFuture<String> outcome) {
            this.loop = loop;
            this.verifier = verifier;
            this.data = data;
            this.outcome = outcome;
        }

        void next() {
            if (at == data.length) {
                verifier.whenHashed(() -> {
                    String sha = verifier.finishSha256Hex();
                    outcome.complete(lane + " " + inline + " " + sha + " " + verifier.failure(sha));
                });
                return;
            }
            int i = at / PIECE;
            if (verifier.update(Unpooled.wrappedBuffer(data, at, PIECE), i % 4 == 0)) {
                lane++;
            } else {
                inline++;
            }
            at += PIECE;
            if (i % 4 == 1) {
                // Wait for the lane to drain (not for a time: a busy CI machine may take any time), so the next two
                // pieces are hashed on the loop.
                verifier.whenHashed(() -> loop.execute(this::next));
            } else {
                loop.execute(this::next);
            }
        }
    }
}

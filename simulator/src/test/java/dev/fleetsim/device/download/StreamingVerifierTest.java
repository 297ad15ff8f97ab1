package dev.fleetsim.device.download;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
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
            verifier.update(one);
            assertThat(one.readerIndex()).as("the buffer is read in place").isZero();
        }
    }

    @Test
    void aMatchingArtifactPassesEveryCheck() throws Exception {
        StreamingVerifier verifier = new StreamingVerifier(3L, ABC_SHA256, sign(signer, ABC), signer.getPublic());

        feedByteByByte(verifier, ABC);
        String sha = verifier.finishSha256Hex();

        assertThat(sha).isEqualTo(ABC_SHA256);
        assertThat(verifier.failure(sha)).isNull();
        assertThat(verifier.bytes()).isEqualTo(3);
    }

    @Test
    void sizeIsCheckedFirstThenTheHashThenTheSignature() throws Exception {
        StreamingVerifier size = new StreamingVerifier(4L, ABC_SHA256, null, null);
        size.update(Unpooled.wrappedBuffer(ABC));
        assertThat(size.failure(size.finishSha256Hex())).startsWith("size mismatch");

        StreamingVerifier hash = new StreamingVerifier(3L, "00" + ABC_SHA256.substring(2), null, null);
        hash.update(Unpooled.wrappedBuffer(ABC));
        assertThat(hash.failure(hash.finishSha256Hex())).startsWith("SHA-256 mismatch");

        StreamingVerifier foreign = new StreamingVerifier(3L, ABC_SHA256, sign(stranger, ABC), signer.getPublic());
        foreign.update(Unpooled.wrappedBuffer(ABC));
        assertThat(foreign.failure(foreign.finishSha256Hex())).contains("does not verify");
    }

    @Test
    void aSignedArtifactWithoutACertificateOnTheDeviceFails() throws Exception {
        StreamingVerifier verifier = new StreamingVerifier(null, null, sign(signer, ABC), null);
        verifier.update(Unpooled.wrappedBuffer(ABC));

        assertThat(verifier.failure(verifier.finishSha256Hex())).contains("no code-signing certificate");
    }

    @Test
    void aResetStartsTheChecksFromByteZero() throws Exception {
        StreamingVerifier verifier = new StreamingVerifier(3L, ABC_SHA256, sign(signer, ABC), signer.getPublic());
        verifier.update(Unpooled.wrappedBuffer("xyz and more".getBytes(StandardCharsets.US_ASCII)));

        verifier.reset();
        feedByteByByte(verifier, ABC);

        assertThat(verifier.failure(verifier.finishSha256Hex())).isNull();
    }
}

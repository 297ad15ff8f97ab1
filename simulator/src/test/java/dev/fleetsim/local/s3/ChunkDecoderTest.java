package dev.fleetsim.local.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code aws-chunked} bodies: AWS's signed example in slices of any size, unsigned bodies, trailers, bad framing. */
class ChunkDecoderTest {

    /** AWS's documented body: 65,536 then 1,024 bytes of 'a', each chunk signed, then the final chunk. */
    private static byte[] awsExampleBody(String[] signatures) {
        byte[] a = new byte[65_536];
        Arrays.fill(a, (byte) 'a');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("10000;chunk-signature=" + signatures[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(a);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(("400;chunk-signature=" + signatures[1] + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(a, 0, 1_024);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(("0;chunk-signature=" + signatures[2] + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] decode(ChunkDecoder decoder, byte[] body, int slice) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += slice) {
            ByteBuf in = Unpooled.wrappedBuffer(body, at, Math.min(slice, body.length - at));
            decoder.feed(in, chunk -> {
                byte[] bytes = new byte[chunk.readableBytes()];
                chunk.readBytes(bytes);
                data.writeBytes(bytes);
            });
        }
        return data.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 100, 8192, 65_536, 70_000, 1_000_000})
    void awsSignedExampleDecodesInSlicesOfAnySize(int slice) {
        ChunkDecoder decoder = new ChunkDecoder(SigV4Test.chunkedSeed());

        byte[] data = decode(decoder, awsExampleBody(SigV4Test.CHUNK_SIGNATURES), slice);

        assertThat(decoder.complete()).isTrue();
        assertThat(data).hasSize(66_560).containsOnly((byte) 'a');
    }

    @Test
    void aChunkSignedOutOfTheChainIsRefused() {
        String[] signatures = SigV4Test.CHUNK_SIGNATURES.clone();
        signatures[1] = signatures[0]; // a replayed signature
        ChunkDecoder decoder = new ChunkDecoder(SigV4Test.chunkedSeed());

        assertThatThrownBy(() -> decode(decoder, awsExampleBody(signatures), 4096))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("SignatureDoesNotMatch");
                });
    }

    @Test
    void unsignedChunksWithATrailingChecksum() {
        byte[] body = ("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ChunkDecoder decoder = new ChunkDecoder(null);

        byte[] data = decode(decoder, body, 3);

        assertThat(new String(data, StandardCharsets.US_ASCII)).isEqualTo("hello world");
        assertThat(decoder.complete()).isTrue();
        assertThat(decoder.trailers()).containsEntry("x-amz-checksum-crc32", "DUoRhQ==");
    }

    @Test
    void aBodyCutBeforeTheFinalChunkIsNotComplete() {
        ChunkDecoder decoder = new ChunkDecoder(null);

        decode(decoder, "5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII), 4);

        assertThat(decoder.complete()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n"})
    void malformedFramingIsIncompleteBody(String body) {
        ChunkDecoder decoder = new ChunkDecoder(null);

        assertThatThrownBy(() -> decode(decoder, body.getBytes(StandardCharsets.US_ASCII), 64))
                .isInstanceOfSatisfying(
                        S3Exception.class, e -> assertThat(e.code()).isEqualTo("IncompleteBody"));
    }
}

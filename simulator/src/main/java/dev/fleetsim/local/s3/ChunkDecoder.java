package dev.fleetsim.local.s3;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decodes {@code aws-chunked}: {@code hex-size[;chunk-signature=sig]\r\n data \r\n} … {@code 0[;…]\r\n}, then
 * trailer lines and an empty line. With {@code auth}, each chunk's signature must chain from the seed signature.
 */
final class ChunkDecoder {
    private enum Part {
        HEADER,
        DATA,
        DATA_END,
        TRAILER,
        DONE
    }

    private final SigV4.Verified auth;
    private final StringBuilder line = new StringBuilder();
    private final Map<String, String> trailers = new LinkedHashMap<>();
    private Part part = Part.HEADER;
    private long remaining;
    private String chunkSignature;
    private String previousSignature;
    private MessageDigest chunkHash;

    ChunkDecoder(SigV4.Verified auth) {
        this.auth = auth;
        this.previousSignature = auth == null ? null : auth.seedSignature();
    }

    boolean complete() {
        return part == Part.DONE;
    }

    Map<String, String> trailers() {
        return trailers;
    }

    void feed(ByteBuf in, Consumer<ByteBuf> sink) {
        while (in.isReadable()) {
            switch (part) {
                case HEADER, TRAILER, DATA_END -> {
                    if (!readLine(in)) {
                        return;
                    }
                    String text = line.toString();
                    line.setLength(0);
                    onLine(text);
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    ByteBuf slice = in.readSlice(n);
                    if (chunkHash != null) {
                        for (ByteBuffer b : slice.nioBuffers()) {
                            chunkHash.update(b);
                        }
                    }
                    sink.accept(slice);
                    remaining -= n;
                    if (remaining == 0) {
                        checkChunk();
                        part = Part.DATA_END;
                    }
                }
                case DONE -> in.skipBytes(in.readableBytes());
            }
        }
    }

    private void onLine(String text) {
        switch (part) {
            case DATA_END -> {
                if (!text.isEmpty()) {
                    throw badChunk();
                }
                part = Part.HEADER;
            }
            case HEADER -> {
                int semi = text.indexOf(';');
                String size = semi < 0 ? text : text.substring(0, semi);
                chunkSignature = null;
                if (semi >= 0 && text.startsWith("chunk-signature=", semi + 1)) {
                    chunkSignature = text.substring(semi + 1 + "chunk-signature=".length());
                }
                try {
                    remaining = Long.parseLong(size.trim(), 16);
                } catch (NumberFormatException e) {
                    throw badChunk();
                }
                chunkHash = auth != null ? S3Xml.digest("SHA-256") : null;
                if (remaining == 0) {
                    checkChunk();
                    part = Part.TRAILER;
                } else {
                    part = Part.DATA;
                }
            }
            case TRAILER -> {
                if (text.isEmpty()) {
                    part = Part.DONE;
                    return;
                }
                int colon = text.indexOf(':');
                if (colon > 0) {
                    trailers.put(
                            text.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            text.substring(colon + 1).trim());
                }
            }
            default -> throw badChunk();
        }
    }

    private void checkChunk() {
        if (auth == null) {
            return;
        }
        String expected = auth.chunkSignature(previousSignature, chunkHash.digest());
        if (chunkSignature == null || !MessageDigest.isEqual(expected.getBytes(), chunkSignature.getBytes())) {
            throw new S3Exception(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided (chunk).");
        }
        previousSignature = expected;
    }

    private boolean readLine(ByteBuf in) {
        while (in.isReadable()) {
            char c = (char) in.readByte();
            if (c == '\n') {
                if (line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
                    line.setLength(line.length() - 1);
                }
                return true;
            }
            if (line.length() > 8192) {
                throw badChunk();
            }
            line.append(c);
        }
        return false;
    }

    private static S3Exception badChunk() {
        return new S3Exception(400, "IncompleteBody", "The aws-chunked body is malformed");
    }
}

package dev.fleetsim.local.s3;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A small request body gathered whole (an XML document such as CompleteMultipartUpload's), at most 1 MiB. */
final class XmlBody {
    static final int MAX_BYTES = 1 << 20;

    private final CompositeByteBuf bytes;
    private final Consumer<String> then;

    XmlBody(ByteBufAllocator alloc, Consumer<String> then) {
        this.bytes = alloc.compositeBuffer(1024);
        this.then = then;
    }

    /** Adds a piece; true when it was the last. */
    boolean add(HttpContent content) {
        if (bytes.readableBytes() + content.content().readableBytes() > MAX_BYTES) {
            throw new S3Exception(400, "MaxMessageLengthExceeded", "Your request was too big.");
        }
        bytes.addComponent(true, content.content().retain());
        return content instanceof LastHttpContent;
    }

    /** Hands the text on and lets go of the bytes. */
    void complete() {
        String text = bytes.toString(StandardCharsets.UTF_8);
        bytes.release();
        then.accept(text);
    }

    void release() {
        if (bytes.refCnt() > 0) {
            bytes.release();
        }
    }
}

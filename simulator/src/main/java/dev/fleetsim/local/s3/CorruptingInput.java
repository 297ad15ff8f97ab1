package dev.fleetsim.local.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;

/** Flips one byte of the body (fault policy {@link ArtifactFaults.Fault.WrongBytes}). */
final class CorruptingInput implements ChunkedInput<ByteBuf> {
    private final ChunkedInput<ByteBuf> in;
    private final long offset;
    private long position;

    CorruptingInput(ChunkedInput<ByteBuf> in, long start, long offset) {
        this.in = in;
        this.position = start;
        this.offset = offset;
    }

    @Override
    public boolean isEndOfInput() throws Exception {
        return in.isEndOfInput();
    }

    @Override
    public void close() throws Exception {
        in.close();
    }

    @Override
    @Deprecated
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        ByteBuf chunk = in.readChunk(allocator);
        if (chunk != null) {
            long end = position + chunk.readableBytes();
            if (offset >= position && offset < end) {
                int at = chunk.readerIndex() + (int) (offset - position);
                chunk.setByte(at, chunk.getByte(at) ^ 0xff);
            }
            position = end;
        }
        return chunk;
    }

    @Override
    public long length() {
        return in.length();
    }

    @Override
    public long progress() {
        return in.progress();
    }
}

package dev.fleetsim.local.s3;

import dev.fleetsim.net.BlockingWork;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A range of a file as chunks read one ahead on a blocking lane, so the event loop never waits for the disk: when the
 * next chunk is not ready {@link #readChunk} answers null and the {@link ChunkedWriteHandler} is resumed once it is.
 * Used where the bytes must pass through the pipeline (TLS, fault policies); plain HTTP sends with zero-copy
 * {@code sendfile} instead. Event-loop confined, except the reads themselves.
 */
final class FileChunks implements ChunkedInput<ByteBuf> {
    private final FileChannel file;
    private final long end;
    private final long length;
    private final int chunkSize;
    private final Channel channel;
    private final BlockingWork.Lane lane;
    /** Next offset to read from the file. */
    private long fetched;
    /** Bytes handed to the pipeline. */
    private long delivered;

    private ByteBuf ready;
    private boolean fetching;
    private Throwable failure;
    private boolean closed;

    FileChunks(FileChannel file, long start, long length, int chunkSize, Channel channel, BlockingWork.Lane lane) {
        this.file = file;
        this.fetched = start;
        this.end = start + length;
        this.length = length;
        this.chunkSize = chunkSize;
        this.channel = channel;
        this.lane = lane;
    }

    /** Starts reading the first chunk (call before writing, so it is under way when the handler first asks). */
    FileChunks prefetch() {
        fetchNext();
        return this;
    }

    @Override
    public boolean isEndOfInput() {
        return failure == null && delivered >= length;
    }

    @Override
    @Deprecated
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        if (failure != null) {
            throw failure instanceof Exception e ? e : new IOException(failure);
        }
        ByteBuf chunk = ready;
        ready = null;
        if (chunk != null) {
            delivered += chunk.readableBytes();
        }
        fetchNext();
        return chunk; // null: not read yet; the handler is resumed when it is
    }

    private void fetchNext() {
        if (fetching || closed || fetched >= end) {
            return;
        }
        fetching = true;
        long at = fetched;
        int n = (int) Math.min(chunkSize, end - at);
        fetched += n;
        ByteBufAllocator alloc = channel.alloc();
        lane.submit(
                        () -> {
                            ByteBuf b = alloc.directBuffer(n);
                            try {
                                while (b.readableBytes() < n) {
                                    int read = b.writeBytes(file, at + b.readableBytes(), n - b.readableBytes());
                                    if (read < 0) {
                                        throw new EOFException("the object's file ended early");
                                    }
                                }
                                return b;
                            } catch (IOException | RuntimeException e) {
                                b.release();
                                throw e;
                            }
                        },
                        channel.eventLoop())
                .whenComplete((b, error) -> {
                    fetching = false;
                    if (closed) {
                        if (b != null) {
                            b.release();
                        }
                        return;
                    }
                    if (error != null) {
                        failure = error;
                    } else {
                        ready = b;
                    }
                    ChunkedWriteHandler writer = channel.pipeline().get(ChunkedWriteHandler.class);
                    if (writer != null) {
                        writer.resumeTransfer();
                    }
                });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ready != null) {
            ready.release();
            ready = null;
        }
        lane.execute(() -> {
            try {
                file.close();
            } catch (IOException ignored) {
                // a read-only file: nothing to lose
            }
        });
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return delivered;
    }
}

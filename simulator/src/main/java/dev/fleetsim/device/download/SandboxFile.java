package dev.fleetsim.device.download;

import dev.fleetsim.net.BlockingWork;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The file a download writes in the device's sandbox, with every blocking call off the device's loop: opening
 * (creating folders), positional writes of the network's buffers (retained until written, so nothing is copied),
 * truncation, closing and deleting run on {@link BlockingWork}; their completions come back on the loop. Positional
 * writes need no order among themselves, so they run as they come; {@link #drained} tells when all have landed.
 *
 * <p>Loop-confined, except the completions of the writes, which hop back to the loop before touching state.
 */
final class SandboxFile {
    /** Bytes handed to the pool and not yet written; above this, the transfer stops reading until the disk catches up. */
    static final long MAX_IN_FLIGHT = 4L * 1024 * 1024;

    private final Path path;
    private final EventLoop loop;
    private final FileChannel channel;
    private long inFlight;
    private IOException failure;
    private final List<Runnable> onDrained = new ArrayList<>();

    private SandboxFile(Path path, EventLoop loop, FileChannel channel) {
        this.path = path;
        this.loop = loop;
        this.channel = channel;
    }

    /** Creates the folders and opens (truncating) the file, off the loop; completes on {@code loop}. */
    static CompletableFuture<SandboxFile> open(Path path, EventLoop loop) {
        return BlockingWork.shared()
                .submit(
                        () -> {
                            Files.createDirectories(path.getParent());
                            return new SandboxFile(
                                    path,
                                    loop,
                                    FileChannel.open(
                                            path,
                                            StandardOpenOption.CREATE,
                                            StandardOpenOption.WRITE,
                                            StandardOpenOption.TRUNCATE_EXISTING));
                        },
                        loop);
    }

    /** Writes the readable bytes of {@code data} at {@code position}; takes over one reference of {@code data}. */
    void write(ByteBuf data, long position) {
        assert loop.inEventLoop();
        int n = data.readableBytes();
        inFlight += n;
        BlockingWork.shared().execute(() -> {
            IOException error = null;
            try {
                long at = position;
                int index = data.readerIndex();
                int left = n;
                while (left > 0) {
                    int written = data.getBytes(index, channel, at, left);
                    index += written;
                    at += written;
                    left -= written;
                }
            } catch (IOException e) {
                error = e;
            } finally {
                data.release();
            }
            IOException failed = error;
            loop.execute(() -> written(n, failed));
        });
    }

    private void written(int n, IOException error) {
        assert loop.inEventLoop();
        inFlight -= n;
        if (error != null && failure == null) {
            failure = error;
        }
        if (inFlight == 0 && !onDrained.isEmpty()) {
            List<Runnable> waiting = new ArrayList<>(onDrained);
            onDrained.clear();
            waiting.forEach(Runnable::run);
        }
    }

    /** Whether the transfer should pause reading until the disk catches up. */
    boolean backlogged() {
        assert loop.inEventLoop();
        return inFlight > MAX_IN_FLIGHT;
    }

    /** Runs {@code then} on the loop once every write so far has landed (at once when none is pending). */
    void drained(Runnable then) {
        assert loop.inEventLoop();
        if (inFlight == 0) {
            then.run();
        } else {
            onDrained.add(then);
        }
    }

    /** The first write that failed, or null. */
    IOException failure() {
        assert loop.inEventLoop();
        return failure;
    }

    /**
     * Closes the file once every write landed: cut to {@code length} bytes (a transfer that restarted from byte 0
     * wrote over the old bytes; a shorter artifact leaves none behind), or with {@code delete} removed (nothing
     * unverified stays on the device). Completes on the loop when the file is closed (and gone).
     */
    CompletableFuture<Void> close(boolean delete, long length) {
        assert loop.inEventLoop();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        drained(() -> BlockingWork.shared()
                .submit(
                        () -> {
                            try {
                                if (!delete) {
                                    channel.truncate(length);
                                }
                            } finally {
                                channel.close();
                                if (delete) {
                                    Files.deleteIfExists(path);
                                }
                            }
                            return null;
                        },
                        loop)
                .whenComplete((v, e) -> closed.complete(null)));
        return closed;
    }
}

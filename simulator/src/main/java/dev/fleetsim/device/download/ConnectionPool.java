package dev.fleetsim.device.download;

import dev.fleetsim.net.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.AttributeKey;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP connections per event loop and origin: a transfer takes an idle one of its own loop or opens a new
 * one there, so no connection is ever shared across threads. A connection's pipeline: optional fleet-wide shaper,
 * its own shaper (set per transfer), TLS, HTTP codec, read-idle timer, the shared {@link TransferHandler}.
 */
final class ConnectionPool {
    /** Unshaped reads: fewer wake-ups and digest calls per MiB (the body is hashed in place). */
    static final RecvByteBufAllocator LARGE_READS =
            new AdaptiveRecvByteBufAllocator(16 * 1024, 128 * 1024, 1024 * 1024);

    /**
     * The most body bytes the HTTP decoder hands on in one piece: a whole read. Netty's default (8 KiB) split every
     * 1 MiB read into 128 pieces, each passed down the pipeline, hashed and written on its own.
     */
    static final int MAX_BODY_PIECE = 1024 * 1024;

    static final AttributeKey<String> ORIGIN = AttributeKey.valueOf("fleetsim.download.origin");

    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();
    private final SslContext ssl;
    private final GlobalTrafficShapingHandler fleetShaper;
    private final ChannelHandler handler;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    ConnectionPool(
            SslContext ssl,
            GlobalTrafficShapingHandler fleetShaper,
            ChannelHandler handler,
            Duration connectTimeout,
            Duration readTimeout) {
        this.ssl = ssl;
        this.fleetShaper = fleetShaper;
        this.handler = handler;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** An idle, still open connection to {@code origin} on {@code loop}, or null. Loop only. */
    Channel poll(EventLoop loop, String origin) {
        assert loop.inEventLoop();
        ArrayDeque<Channel> queue = queue(loop, origin);
        Channel ch;
        while ((ch = queue.poll()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Opens a connection to {@code uri}'s origin on {@code loop}. */
    ChannelFuture connect(EventLoop loop, URI uri) {
        boolean tls = "https".equals(uri.getScheme());
        int port = Transfer.port(uri);
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, LARGE_READS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (fleetShaper != null) {
                            ch.pipeline().addLast("fleet-shaper", fleetShaper);
                        }
                        ch.pipeline().addLast("shaper", new ChannelTrafficShapingHandler(0, 0, 100));
                        if (tls) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), uri.getHost(), port));
                        }
                        ch.pipeline()
                                .addLast("http", new HttpClientCodec(4096, 8192, MAX_BODY_PIECE))
                                .addLast(
                                        "idle",
                                        new IdleStateHandler(readTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                                .addLast("download", handler);
                    }
                });
        ChannelFuture connecting = bootstrap.connect(uri.getHost(), port);
        connecting.channel().attr(ORIGIN).set(Transfer.origin(uri));
        return connecting;
    }

    /** Back to the pool when it may carry another request, else closed. Loop only. */
    void release(EventLoop loop, Channel ch, boolean close) {
        if (close || !ch.isActive()) {
            ch.close();
            return;
        }
        ((ChannelTrafficShapingHandler) ch.pipeline().get("shaper")).configure(0, 0);
        // Idle with reading on: a transfer may have paused reading (its disk fell behind) in the read that ended its
        // body, and its resume no longer finds the channel; the next transfer on it would never read.
        ch.config().setAutoRead(true);
        queue(loop, ch.attr(ORIGIN).get()).add(ch);
    }

    private ArrayDeque<Channel> queue(EventLoop loop, String origin) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(origin, o -> new ArrayDeque<>());
    }

    /** Closes every idle connection, each on its own loop. */
    void close() {
        // A loop that stopped first (the fleet's) closed its channels itself.
        idle.forEach((loop, byOrigin) -> EventLoops.executeUnlessStopping(loop, () -> {
            byOrigin.values().forEach(q -> q.forEach(Channel::close));
            byOrigin.clear();
        }));
    }
}

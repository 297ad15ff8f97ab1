package dev.fleetsim.bench;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.TlsProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;

/**
 * The baseline for connect rates: the cheapest possible MQTT client, a Netty socket that writes one hand-built MQTT
 * 3.1.1 CONNECT and waits for the 4-byte CONNACK, with the same event loops and the same pipelining as the fleet
 * (every connect in flight at once). Whatever a real client does on top (MQTT 5 properties, subscriptions, its own
 * pipeline) costs against this ceiling, which the broker and the kernel set on this machine. At most 512 connects are
 * in flight at once.
 */
final class RawConnects {
    private static final AttributeKey<SslContext> TLS = AttributeKey.valueOf("fleetsim.raw.tls");
    private static final int IN_FLIGHT = 512;

    private RawConnects() {}

    /** Connects {@code count} raw clients to {@code host:port}; returns CONNACKs per second. */
    static double rate(String host, int port, int count) throws InterruptedException {
        return rate(host, port, count, i -> null);
    }

    /**
     * As {@link #rate(String, int, int)}, over TLS when {@code tls} gives a context for client {@code i} (built before
     * the clock starts, so this measures handshakes, not context construction).
     */
    static double rate(String host, int port, int count, IntFunction<SslContext> tls) throws InterruptedException {
        return measure(host, port, count, tls).rate();
    }

    /**
     * What one round cost: CONNACKs per second, and this process's CPU time from the first connect to the last
     * CONNACK (every thread: loops, JIT, GC).
     */
    record Round(int connected, double rate, long cpuNanos) {}

    /** As {@link #rate(String, int, int, IntFunction)}, with the process CPU time the round took. */
    static Round measure(String host, int port, int count, IntFunction<SslContext> tls) throws InterruptedException {
        EventLoopGroup group = EventLoops.create(EventLoops.defaultThreads(), "raw-connect");
        List<Channel> channels = new ArrayList<>(count);
        CountDownLatch acked = new CountDownLatch(count);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        Runnable[] launch = new Runnable[1];
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslContext ssl = ch.attr(TLS).get();
                            if (ssl != null) {
                                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
                            }
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                private boolean done;

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf buf = (ByteBuf) msg;
                                    try {
                                        if (!done && buf.readableBytes() >= 4 && buf.getByte(0) == 0x20) {
                                            done = true;
                                            acked.countDown();
                                            launch[0].run();
                                        }
                                    } finally {
                                        buf.release();
                                    }
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    // Closed before its CONNACK (a TLS handshake past SslHandler's 10 s timeout on
                                    // a saturated broker, a refusal): a failed connect, not one to wait for.
                                    if (!done) {
                                        done = true;
                                        failed.incrementAndGet();
                                        acked.countDown();
                                        launch[0].run();
                                    }
                                }
                            });
                        }
                    });
            SslContext[] contexts = new SslContext[count];
            for (int i = 0; i < count; i++) {
                contexts[i] = tls.apply(i);
            }
            // At most IN_FLIGHT connects at once, the next one started as one ends: a burst of thousands overflows
            // the broker's accept backlog, and the retransmitted SYNs (1 s, 3 s, …) would measure the kernel's
            // timers, not the cheapest client.
            launch[0] = () -> {
                int i = next.getAndIncrement();
                if (i >= count) {
                    return;
                }
                byte[] connect = connectPacket(String.format("raw-%06d", i));
                bootstrap.clone().attr(TLS, contexts[i]).connect(host, port).addListener(f -> {
                    if (!f.isSuccess()) {
                        failed.incrementAndGet();
                        acked.countDown();
                        launch[0].run();
                        return;
                    }
                    Channel ch = ((ChannelFuture) f).channel();
                    synchronized (channels) {
                        channels.add(ch);
                    }
                    ch.writeAndFlush(Unpooled.wrappedBuffer(connect));
                });
            };
            long cpuStart = ProcessCpu.nanos();
            long start = System.nanoTime();
            for (int i = 0; i < Math.min(IN_FLIGHT, count); i++) {
                launch[0].run();
            }
            if (!acked.await(120, TimeUnit.SECONDS)) {
                return new Round(0, -1, ProcessCpu.nanos() - cpuStart);
            }
            long cpu = ProcessCpu.nanos() - cpuStart;
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Round(count - failed.get(), (count - failed.get()) / seconds, cpu);
        } finally {
            synchronized (channels) {
                channels.forEach(Channel::close);
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A raw client's TLS context with a device's key and trust (TLS 1.3 and 1.2), on the provider the devices use;
     * built before a round's clock starts.
     */
    static SslContext clientContext(MqttClientSslConfig config) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(TlsProvider.provider())
                    .keyManager(config.getKeyManagerFactory().orElseThrow())
                    .trustManager(config.getTrustManagerFactory().orElseThrow())
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a TLS client context: " + e.getMessage(), e);
        }
    }

    /** MQTT 3.1.1 CONNECT: clean session, keep-alive 60 s, the given client id. */
    static byte[] connectPacket(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        int remaining = 10 + 2 + id.length;
        byte[] packet = new byte[2 + remaining];
        int i = 0;
        packet[i++] = 0x10;
        packet[i++] = (byte) remaining; // client ids here are short: one length byte
        byte[] header = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60};
        System.arraycopy(header, 0, packet, i, header.length);
        i += header.length;
        packet[i++] = (byte) (id.length >> 8);
        packet[i++] = (byte) id.length;
        System.arraycopy(id, 0, packet, i, id.length);
        return packet;
    }
}

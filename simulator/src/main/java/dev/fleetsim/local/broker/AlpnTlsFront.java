package dev.fleetsim.local.broker;

import dev.fleetsim.net.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT over mutual TLS with ALPN {@code x-amzn-mqtt-ca}: IoT Core's port 443, which the AWS IoT Device Client always
 * dials (spec §1.1). HiveMQ CE's TLS listener has no ALPN setting, so this front terminates TLS itself and relays the
 * MQTT bytes to an internal plain listener of the broker.
 *
 * <pre>
 *   device ──TLS 1.2/1.3, client certificate, ALPN x-amzn-mqtt-ca──► front (127.0.0.1:443)
 *                                                                     │ from 127.a.b.c, one address per connection
 *                                                                     ▼
 *                                              HiveMQ CE internal listener (127.0.0.1:N) ── authenticator
 * </pre>
 *
 * <p>The broker must still know which certificate a connection presented. Each relayed connection leaves from a
 * loopback address of its own (Linux routes all of 127.0.0.0/8 to the loopback interface), and {@link #certificate}
 * maps that address to the client certificate of the TLS session. The broker's authenticator looks the address up
 * for connections on the internal listener and refuses the ones it does not find, so nothing but this front can act
 * through that listener.
 *
 * <p>ALPN: {@code x-amzn-mqtt-ca} is selected when offered. A client that offers no ALPN, or only other protocols, is
 * still served MQTT (IoT Core would serve HTTPS on 443 to those); Netty's OpenSSL provider cannot refuse a
 * handshake for ALPN.
 *
 * <p>Threading: one event loop; each relayed pair of channels stays on it.
 */
final class AlpnTlsFront implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlpnTlsFront.class);

    /** The protocol name IoT Core expects on 443 for MQTT with an X.509 client certificate. */
    static final String ALPN_MQTT = "x-amzn-mqtt-ca";

    private final EventLoopGroup group;
    private final InetSocketAddress internal;
    private final Map<InetAddress, X509Certificate> certificates = new ConcurrentHashMap<>();
    private final AtomicInteger nextSource = new AtomicInteger();
    private final List<Channel> servers = new ArrayList<>();

    private AlpnTlsFront(InetSocketAddress internal) {
        this.group = EventLoops.create(1, "fleetsim-mqtt-alpn");
        this.internal = internal;
    }

    /**
     * Listens on {@code bindAddress} at each of {@code ports} and relays to the broker's internal listener on
     * {@code 127.0.0.1:internalPort}. Blocks until bound.
     *
     * @param anyIssuer accept a client certificate from any issuer (the broker then admits only registered ones, as
     *     IoT Core does for certificates registered with or without their CA); otherwise only the local CA's
     */
    static AlpnTlsFront start(
            String bindAddress, List<Integer> ports, int internalPort, BrokerConfig.Tls tls, boolean anyIssuer)
            throws InterruptedException {
        SslContext ssl = sslContext(tls, anyIssuer);
        AlpnTlsFront front = new AlpnTlsFront(new InetSocketAddress(InetAddress.getLoopbackAddress(), internalPort));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(front.group)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc())).addLast(front.new Relay());
                    }
                });
        try {
            for (int port : ports) {
                front.servers.add(bootstrap
                        .bind(new InetSocketAddress(bindAddress, port))
                        .sync()
                        .channel());
            }
            return front;
        } catch (RuntimeException | InterruptedException e) {
            front.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The client certificate of the TLS session relayed from {@code source}, or empty when {@code source} is not one
     * of this front's relay addresses.
     */
    Optional<X509Certificate> certificate(InetAddress source) {
        return Optional.ofNullable(certificates.get(source));
    }

    /** Relayed connections now. */
    int connections() {
        return certificates.size();
    }

    @Override
    public void close() {
        servers.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static SslContext sslContext(BrokerConfig.Tls tls, boolean anyIssuer) {
        try {
            char[] password = tls.password().toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(tls.keyStore())) {
                keys.load(in, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(tls.trustStore())) {
                trust.load(in, password);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SslContextBuilder builder = SslContextBuilder.forServer(kmf);
            if (anyIssuer) {
                builder.trustManager(new RegisteredCertificates());
            } else {
                builder.trustManager(tmf);
            }
            return builder.clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ALPN_MQTT))
                    .build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the ALPN listener", e);
        }
    }

    /**
     * A loopback address no live relay uses: 127.1.0.1 to 127.254.255.254 in turn (about 16 million), skipping the
     * network and broadcast-looking .0 and .255.
     */
    private InetAddress claimSource(X509Certificate certificate) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int n = Math.floorMod(nextSource.getAndIncrement(), 254 * 65_536);
            int b = 1 + n / 65_536;
            int c = (n / 256) % 256;
            int d = n % 256;
            if (d == 0 || d == 255) {
                continue;
            }
            InetAddress address;
            try {
                address = Inet4Address.getByAddress(new byte[] {127, (byte) b, (byte) c, (byte) d});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
            if (certificates.putIfAbsent(address, certificate) == null) {
                return address;
            }
        }
        throw new IllegalStateException("no free loopback source address for a relayed MQTT connection");
    }

    /** One device connection: TLS in, plain MQTT out to the broker, bytes relayed both ways with back-pressure. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private Channel outbound;
        private InetAddress source;
        /** Bytes the device sent before the connection to the broker was up (its CONNECT). */
        private final Queue<Object> early = new ArrayDeque<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (!(event instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(event);
                return;
            }
            if (!done.isSuccess()) {
                log.debug(
                        "TLS handshake on the ALPN listener failed: {}",
                        done.cause().toString());
                ctx.close();
                return;
            }
            X509Certificate certificate;
            try {
                Certificate[] chain = ctx.pipeline()
                        .get(SslHandler.class)
                        .engine()
                        .getSession()
                        .getPeerCertificates();
                certificate = (X509Certificate) chain[0];
            } catch (IOException | RuntimeException e) {
                ctx.close();
                return;
            }
            Channel inbound = ctx.channel();
            inbound.config().setAutoRead(false);
            source = claimSource(certificate);
            ChannelFuture connecting = new Bootstrap()
                    .group(inbound.eventLoop())
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Back(inbound))
                    .localAddress(new InetSocketAddress(source, 0))
                    .connect(internal);
            outbound = connecting.channel();
            connecting.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    log.debug(
                            "cannot reach the broker's internal listener: {}",
                            f.cause().toString());
                    inbound.close();
                    return;
                }
                Object message;
                while ((message = early.poll()) != null) {
                    outbound.write(message);
                }
                outbound.flush();
                outbound.read();
                inbound.read();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (outbound == null || !outbound.isActive()) {
                early.add(message);
                return;
            }
            relay(ctx, message, outbound);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Object message;
            while ((message = early.poll()) != null) {
                ReferenceCountUtil.release(message);
            }
            if (outbound != null) {
                closeOnFlush(outbound);
            }
            if (source != null) {
                certificates.remove(source);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("ALPN listener connection failed: {}", cause.toString());
            ctx.close();
        }
    }

    /** Writes {@code message} to the other side and reads the next once it is written (flow control both ways). */
    private static void relay(ChannelHandlerContext from, Object message, Channel to) {
        to.writeAndFlush(message).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                from.channel().read();
            } else {
                f.channel().close();
                from.close();
            }
        });
    }

    /** The broker side of one relay. */
    private static final class Back extends ChannelInboundHandlerAdapter {
        private final Channel inbound;

        Back(Channel inbound) {
            this.inbound = inbound;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            relay(ctx, message, inbound);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(inbound);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Client certificates as IoT Core takes them: from any issuer, within their validity (the TLS handshake still
     * proves the client holds the key). Whether the certificate is registered and ACTIVE is the broker's
     * authenticator's question, asked once MQTT CONNECT names the client.
     */
    private static final class RegisteredCertificates extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("a client certificate is required");
            }
            chain[0].checkValidity();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server-side trust manager");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a server-side trust manager");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a server-side trust manager");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

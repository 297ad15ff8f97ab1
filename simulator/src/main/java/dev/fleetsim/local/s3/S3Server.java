package dev.fleetsim.local.s3;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.HttpTimeouts;
import dev.fleetsim.net.Ports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 REST subset over Netty HTTP/1.1, path-style ({@code http://host:port/bucket/key}): ListBuckets,
 * CreateBucket, HeadBucket, DeleteBucket, ListObjectsV2 (and v1), PutObject (plain, {@code aws-chunked} with chunk
 * signatures, {@code Content-MD5} and {@code x-amz-checksum-*} checked), GetObject and HeadObject (single
 * {@code Range}, {@code If-Match}/{@code If-None-Match}/{@code If-Modified-Since}/{@code If-Unmodified-Since},
 * {@code versionId}), DeleteObject. Every request must be SigV4-signed (header or presigned query). Bodies of plain
 * GETs go out with {@code sendfile(2)} ({@link DefaultFileRegion}); TLS and fault policies go through chunked writes.
 */
public final class S3Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S3Server.class);

    /** Settings of one server. {@code clock} is the stack's (virtual when time-scaled); it dates presigned expiry. */
    public record Config(
            String bindAddress,
            int port,
            ObjectStore store,
            Map<String, AccessKeyPair> credentials,
            String region,
            Clock clock,
            ArtifactFaults faults) {}

    private final Config config;
    private final EventLoopGroup group;
    private final LongAdder bytesServed = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private Channel channel;
    private int port;

    private S3Server(Config config, EventLoopGroup group) {
        this.config = config;
        this.group = group;
    }

    /**
     * Starts a server with {@code threads} event loops. Blocks until bound.
     *
     * @throws dev.fleetsim.net.PortUnavailableException when the port is taken
     */
    public static S3Server start(Config config, int threads) throws InterruptedException {
        int claimed = Ports.claim("artifact store (S3)", config.bindAddress(), config.port());
        EventLoopGroup group = EventLoops.create(threads, "fleetsim-s3");
        S3Server server = new S3Server(config, group);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(HttpTimeouts.idle(HttpTimeouts.IDLE))
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpTimeouts(HttpTimeouts.HEAD))
                                .addLast(server.new ExpectContinue())
                                .addLast(new ChunkedWriteHandler())
                                .addLast(new S3Connection(server));
                    }
                });
        try {
            server.channel = bootstrap
                    .bind(new InetSocketAddress(config.bindAddress(), claimed))
                    .sync()
                    .channel();
            server.port = ((InetSocketAddress) server.channel.localAddress()).getPort();
            return server;
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** {@code http://host:port}: the endpoint override for the AWS SDK and CLI (path-style). */
    public String endpoint() {
        return "http://" + config.bindAddress() + ":" + port;
    }

    public ObjectStore store() {
        return config.store();
    }

    public ArtifactFaults faults() {
        return config.faults();
    }

    /** Object bytes sent so far (GET bodies). */
    public long bytesServed() {
        return bytesServed.sum();
    }

    public long requests() {
        return requests.sum();
    }

    Config config() {
        return config;
    }

    void countRequest() {
        requests.increment();
    }

    void countBytes(long n) {
        bytesServed.add(n);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Answers {@code Expect: 100-continue} only for uploads the store will take: an upload larger than the limit gets
     * S3's {@code EntityTooLarge} before the client sends its body.
     */
    private final class ExpectContinue extends HttpServerExpectContinueHandler {
        @Override
        protected HttpResponse acceptMessage(HttpRequest request) {
            String decoded = request.headers().get("x-amz-decoded-content-length");
            String length = decoded != null ? decoded : request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            try {
                if (length != null
                        && Long.parseLong(length.trim()) > config.store().maxObjectSize()) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // the handler answers it
            }
            return super.acceptMessage(request);
        }

        @Override
        protected HttpResponse rejectResponse(HttpRequest request) {
            long declared;
            try {
                String decoded = request.headers().get("x-amz-decoded-content-length");
                declared = Long.parseLong(
                        (decoded != null ? decoded : request.headers().get(HttpHeaderNames.CONTENT_LENGTH)).trim());
            } catch (RuntimeException e) {
                declared = -1;
            }
            S3Exception e = S3Exception.entityTooLarge(declared, config.store().maxObjectSize());
            FullHttpResponse response = S3Xml.response(e.status(), S3Xml.error(e));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return response;
        }
    }
}

package dev.fleetsim.local.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.jobs.JobsService;
import dev.fleetsim.local.s3.S3Exception;
import dev.fleetsim.local.s3.SigV4;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.HttpTimeouts;
import dev.fleetsim.net.Ids;
import dev.fleetsim.net.Ports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Netty HTTP/1.1 server in front of {@link JobsService#handle}. One instance serves the control plane and,
 * routed by the SigV4 credential scope ({@code .../iot-jobs-data/aws4_request}, spec §1.1), the HTTPS data plane; an
 * instance started with {@code dataPlaneOnly} serves only the data plane (the {@code jobsDataPlane} endpoint).
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);
    /** Largest request body: a job document is at most 32 KB; templates and targets add little. */
    private static final int MAX_BODY = 1024 * 1024;
    /** The signing names of the APIs served here (spec §1.1). */
    private static final Set<String> SIGNING_NAMES = Set.of("iot", "iot-jobs-data");

    private final EventLoopGroup group;
    private final Channel channel;
    private final int port;

    private HttpApiServer(EventLoopGroup group, Channel channel, int port) {
        this.group = group;
        this.channel = channel;
        this.port = port;
    }

    /**
     * Starts a server. Blocks until bound.
     *
     * @throws dev.fleetsim.net.PortUnavailableException when the port is taken
     */
    public static HttpApiServer start(
            String what, String bindAddress, int port, ControlPlane api, JobsService service, boolean dataPlaneOnly)
            throws InterruptedException {
        int claimed = Ports.claim(what, bindAddress, port);
        EventLoopGroup group = EventLoops.create(
                1, "fleetsim-http-" + what.toLowerCase(Locale.ROOT).replace(' ', '-'));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(HttpTimeouts.idle(HttpTimeouts.IDLE))
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpTimeouts(HttpTimeouts.HEAD))
                                .addLast(new HttpObjectAggregator(MAX_BODY))
                                .addLast(new Handler(api, service, dataPlaneOnly));
                    }
                });
        try {
            Channel channel = bootstrap
                    .bind(new InetSocketAddress(bindAddress, claimed))
                    .sync()
                    .channel();
            return new HttpApiServer(group, channel, ((InetSocketAddress) channel.localAddress()).getPort());
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ControlPlane api;
        private final JobsService service;
        private final boolean dataPlaneOnly;

        Handler(ControlPlane api, JobsService service, boolean dataPlaneOnly) {
            this.api = api;
            this.service = service;
            this.dataPlaneOnly = dataPlaneOnly;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                write(ctx, keepAlive, error(400, "SerializationException", "malformed HTTP request"));
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            if (request.method().name().equals("GET") && uri.path().equals("/metrics")) {
                service.scrape()
                        .whenComplete((text, failure) -> ctx.executor()
                                .execute(
                                        () -> writeText(ctx, keepAlive, failure == null ? text : "# scrape failed\n")));
                return;
            }
            Map<String, String> headers = new HashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            if (api.strict()) {
                ApiResponse refused = verifySignature(request, uri);
                if (refused != null) {
                    write(ctx, keepAlive, refused);
                    return;
                }
            }
            JsonNode body;
            String text = request.content().toString(StandardCharsets.UTF_8);
            try {
                body = text.isBlank()
                        ? JobsJson.mapper().createObjectNode()
                        : JobsJson.mapper().readTree(text);
                if (body == null || !body.isObject()) {
                    throw new IllegalArgumentException("not an object");
                }
            } catch (Exception e) {
                write(ctx, keepAlive, error(400, "SerializationException", "the request body is not a JSON object"));
                return;
            }
            String authorization = headers.getOrDefault("authorization", "");
            boolean dataPlane = dataPlaneOnly || authorization.contains("/iot-jobs-data/aws4_request");
            ApiRequest apiRequest =
                    new ApiRequest(request.method().name(), uri.rawPath(), uri.parameters(), headers, body, dataPlane);
            api.handle(apiRequest).whenComplete((response, failure) -> {
                ApiResponse answer =
                        failure != null ? error(500, "InternalFailureException", "internal error") : response;
                if (failure != null) {
                    log.error("request {} {} failed", apiRequest.method(), apiRequest.path(), failure);
                }
                ctx.executor().execute(() -> write(ctx, keepAlive, answer));
            });
        }

        /**
         * Strict mode: SigV4 checked as IoT Core checks it, answered with its errors (403 and the error type in
         * {@code x-amzn-ErrorType}); null when the signature is good.
         */
        private ApiResponse verifySignature(FullHttpRequest request, QueryStringDecoder uri) {
            Map<String, List<String>> headers = new HashMap<>();
            request.headers()
                    .forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(h.getValue()));
            String rawQuery = request.uri().contains("?")
                    ? request.uri().substring(request.uri().indexOf('?') + 1)
                    : "";
            byte[] body = new byte[request.content().readableBytes()];
            request.content().getBytes(request.content().readerIndex(), body);
            try {
                SigV4.verifyService(
                        new SigV4.Request(request.method().name(), uri.rawPath(), rawQuery, headers),
                        body,
                        SIGNING_NAMES,
                        api::credentials,
                        Instant.now());
                return null;
            } catch (S3Exception e) {
                return switch (e.code()) {
                    case "AccessDenied" -> error(403, "MissingAuthenticationTokenException", e.getMessage());
                    case "InvalidAccessKeyId" ->
                        error(
                                403,
                                "UnrecognizedClientException",
                                "The security token included in the request is invalid.");
                    case "SignatureDoesNotMatch" ->
                        error(
                                403,
                                "InvalidSignatureException",
                                "The request signature we calculated does not match the signature you provided. Check"
                                        + " your AWS Secret Access Key and signing method.");
                    case "RequestTimeTooSkewed" ->
                        error(403, "InvalidSignatureException", "Signature expired: the request time is too skewed.");
                    default -> error(403, "IncompleteSignatureException", e.getMessage());
                };
            }
        }

        private static ApiResponse error(int status, String type, String message) {
            return new ApiResponse(status, JobsJson.mapper().createObjectNode().put("message", message), type);
        }

        private static void writeText(ChannelHandlerContext ctx, boolean keepAlive, String text) {
            ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse response =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            send(ctx, keepAlive, response);
        }

        private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static void write(ChannelHandlerContext ctx, boolean keepAlive, ApiResponse answer) {
            ByteBuf content = Unpooled.wrappedBuffer(JobsJson.write(answer.body()));
            FullHttpResponse response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()), content);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                    .set("x-amzn-RequestId", Ids.uuid().toString());
            if (answer.errorType() != null) {
                response.headers().set("x-amzn-ErrorType", answer.errorType());
            }
            send(ctx, keepAlive, response);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP connection error", cause);
            ctx.close();
        }
    }
}

package dev.fleetsim.local.s3;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.Ports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;
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
    private static final String XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

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
                                .addLast(new HttpServerCodec())
                                .addLast(server.new ExpectContinue())
                                .addLast(new ChunkedWriteHandler())
                                .addLast(server.new Handler());
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
            FullHttpResponse response = xmlResponse(e.status(), errorXml(e));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return response;
        }
    }

    // ================================================================== one connection

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private boolean keepAlive;
        private PutState put;
        /** The request was answered early (an error); its remaining body is dropped. */
        private boolean discarding;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    onRequest(ctx, r);
                }
                if (msg instanceof HttpContent content && !discarding && put != null) {
                    onBody(ctx, content);
                }
                if (msg instanceof LastHttpContent) {
                    discarding = false;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, HttpRequest r) {
            requests.increment();
            request = r;
            keepAlive = HttpUtil.isKeepAlive(r);
            put = null;
            discarding = false;
            if (!r.decoderResult().isSuccess()) {
                keepAlive = false;
                fail(ctx, new S3Exception(400, "BadRequest", "malformed HTTP request"));
                return;
            }
            try {
                dispatch(ctx, r);
            } catch (S3Exception e) {
                fail(ctx, e);
            } catch (RuntimeException e) {
                log.error("S3 request {} {} failed", r.method(), r.uri(), e);
                fail(ctx, new S3Exception(500, "InternalError", "We encountered an internal error. Please try again."));
            }
        }

        private void fail(ChannelHandlerContext ctx, S3Exception e) {
            if (put != null) {
                put.abort();
                put = null;
            }
            discarding = true;
            boolean head = request != null && request.method().equals(HttpMethod.HEAD);
            sendError(ctx, e, head);
        }

        private void dispatch(ChannelHandlerContext ctx, HttpRequest r) {
            String uri = r.uri();
            int q = uri.indexOf('?');
            String rawPath = q < 0 ? uri : uri.substring(0, q);
            String rawQuery = q < 0 ? "" : uri.substring(q + 1);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            r.headers()
                    .forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(h.getValue()));
            SigV4.Verified auth = SigV4.verify(
                    new SigV4.Request(r.method().name(), rawPath, rawQuery, headers),
                    config.credentials()::get,
                    config.clock().instant(),
                    Instant.now());
            Map<String, String> query = SigV4.decodeQuery(rawQuery);
            String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
            int slash = path.indexOf('/');
            String bucket = SigV4.percentDecode(slash < 0 ? path : path.substring(0, slash));
            String key = slash < 0 ? "" : SigV4.percentDecode(path.substring(slash + 1));
            String method = r.method().name();
            if (bucket.isEmpty()) {
                if (!method.equals("GET")) {
                    throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
                }
                sendXml(ctx, 200, listBuckets(), Map.of());
                return;
            }
            if (key.isEmpty()) {
                bucketRequest(ctx, method, bucket, query);
                return;
            }
            switch (method) {
                case "PUT" -> beginPut(ctx, r, bucket, key, auth);
                case "GET", "HEAD" -> get(ctx, r, bucket, key, query, method.equals("HEAD"));
                case "DELETE" -> {
                    if (!config.store().bucketExists(bucket)) {
                        throw S3Exception.noSuchBucket(bucket);
                    }
                    config.store().delete(bucket, key);
                    sendEmpty(ctx, 204, Map.of());
                }
                default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
            }
        }

        // -------------------------------------------------------------- buckets

        private void bucketRequest(ChannelHandlerContext ctx, String method, String bucket, Map<String, String> query) {
            ObjectStore store = config.store();
            switch (method) {
                case "PUT" -> {
                    store.createBucket(bucket);
                    sendEmpty(ctx, 200, Map.of("Location", "/" + bucket));
                }
                case "HEAD" -> {
                    if (!store.bucketExists(bucket)) {
                        throw S3Exception.noSuchBucket(bucket);
                    }
                    sendEmpty(ctx, 200, Map.of("x-amz-bucket-region", config.region()));
                }
                case "DELETE" -> {
                    store.deleteBucket(bucket);
                    sendEmpty(ctx, 204, Map.of());
                }
                case "GET" -> {
                    if (query.containsKey("location")) {
                        store.keys(bucket, null); // NoSuchBucket check
                        sendXml(
                                ctx,
                                200,
                                "<LocationConstraint xmlns=\"" + XMLNS + "\">"
                                        + (config.region().equals("us-east-1") ? "" : xml(config.region()))
                                        + "</LocationConstraint>",
                                Map.of());
                        return;
                    }
                    sendXml(ctx, 200, list(bucket, query), Map.of());
                }
                default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
            }
        }

        private String listBuckets() {
            StringBuilder out = new StringBuilder("<ListAllMyBucketsResult xmlns=\"" + XMLNS + "\">");
            out.append("<Owner><ID>fleetsim</ID><DisplayName>fleetsim</DisplayName></Owner><Buckets>");
            for (String name : config.store().bucketNames()) {
                out.append("<Bucket><Name>")
                        .append(xml(name))
                        .append("</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>");
            }
            return out.append("</Buckets></ListAllMyBucketsResult>").toString();
        }

        /** ListObjectsV2 ({@code list-type=2}) or ListObjects (v1, markers). */
        private String list(String bucket, Map<String, String> query) {
            boolean v2 = "2".equals(query.get("list-type"));
            String prefix = query.getOrDefault("prefix", "");
            String delimiter = query.get("delimiter");
            boolean urlEncoding = "url".equals(query.get("encoding-type"));
            int maxKeys;
            try {
                maxKeys = Math.min(1000, Integer.parseInt(query.getOrDefault("max-keys", "1000")));
            } catch (NumberFormatException e) {
                throw S3Exception.invalidArgument("max-keys must be an integer");
            }
            if (maxKeys < 0) {
                throw S3Exception.invalidArgument("max-keys must not be negative");
            }
            String after;
            if (v2) {
                String token = query.get("continuation-token");
                if (token != null) {
                    try {
                        after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw S3Exception.invalidArgument("The continuation token provided is incorrect");
                    }
                } else {
                    after = query.get("start-after");
                }
            } else {
                after = query.get("marker");
            }
            NavigableMap<String, ObjectStore.Meta> keys = config.store().keys(bucket, after);
            List<ObjectStore.Meta> contents = new ArrayList<>();
            TreeSet<String> prefixes = new TreeSet<>();
            String last = null;
            boolean truncated = false;
            for (Map.Entry<String, ObjectStore.Meta> e : keys.entrySet()) {
                String k = e.getKey();
                if (!k.startsWith(prefix)) {
                    if (k.compareTo(prefix) > 0) {
                        break;
                    }
                    continue;
                }
                String common = null;
                if (delimiter != null && !delimiter.isEmpty()) {
                    int at = k.indexOf(delimiter, prefix.length());
                    if (at >= 0) {
                        common = k.substring(0, at + delimiter.length());
                    }
                }
                if (common != null && prefixes.contains(common)) {
                    last = k;
                    continue;
                }
                if (contents.size() + prefixes.size() >= maxKeys) {
                    truncated = true;
                    break;
                }
                if (common != null) {
                    prefixes.add(common);
                } else {
                    contents.add(e.getValue());
                }
                last = k;
            }
            String root = v2 ? "ListBucketResult" : "ListBucketResult";
            StringBuilder out = new StringBuilder("<" + root + " xmlns=\"" + XMLNS + "\">");
            out.append("<Name>").append(xml(bucket)).append("</Name>");
            out.append("<Prefix>").append(xml(encodeIf(prefix, urlEncoding))).append("</Prefix>");
            if (delimiter != null) {
                out.append("<Delimiter>")
                        .append(xml(encodeIf(delimiter, urlEncoding)))
                        .append("</Delimiter>");
            }
            out.append("<MaxKeys>").append(maxKeys).append("</MaxKeys>");
            if (urlEncoding) {
                out.append("<EncodingType>url</EncodingType>");
            }
            out.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
            if (v2) {
                out.append("<KeyCount>")
                        .append(contents.size() + prefixes.size())
                        .append("</KeyCount>");
                if (query.containsKey("continuation-token")) {
                    out.append("<ContinuationToken>")
                            .append(xml(query.get("continuation-token")))
                            .append("</ContinuationToken>");
                }
                if (query.containsKey("start-after")) {
                    out.append("<StartAfter>")
                            .append(xml(encodeIf(query.get("start-after"), urlEncoding)))
                            .append("</StartAfter>");
                }
                if (truncated && last != null) {
                    out.append("<NextContinuationToken>")
                            .append(Base64.getUrlEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)))
                            .append("</NextContinuationToken>");
                }
            } else {
                out.append("<Marker>").append(xml(after == null ? "" : after)).append("</Marker>");
                if (truncated && last != null && delimiter != null) {
                    out.append("<NextMarker>").append(xml(last)).append("</NextMarker>");
                }
            }
            for (ObjectStore.Meta m : contents) {
                out.append("<Contents><Key>")
                        .append(xml(encodeIf(m.key(), urlEncoding)))
                        .append("</Key><LastModified>")
                        .append(m.lastModified().truncatedTo(ChronoUnit.MILLIS))
                        .append("</LastModified><ETag>")
                        .append(xml(m.etag()))
                        .append("</ETag><Size>")
                        .append(m.size())
                        .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
            }
            for (String p : prefixes) {
                out.append("<CommonPrefixes><Prefix>")
                        .append(xml(encodeIf(p, urlEncoding)))
                        .append("</Prefix></CommonPrefixes>");
            }
            return out.append("</").append(root).append(">").toString();
        }

        // -------------------------------------------------------------- PutObject

        private void beginPut(
                ChannelHandlerContext ctx, HttpRequest r, String bucket, String key, SigV4.Verified auth) {
            HttpHeaders h = r.headers();
            if (h.contains("x-amz-copy-source")) {
                throw new S3Exception(501, "NotImplemented", "CopyObject is not supported by the local store");
            }
            long declared = decodedLength(h);
            if (declared > config.store().maxObjectSize()) {
                keepAlive = false; // do not read a body this large
                throw S3Exception.entityTooLarge(declared, config.store().maxObjectSize());
            }
            if (declared < 0 && !HttpUtil.isTransferEncodingChunked(r)) {
                throw new S3Exception(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
            }
            put = new PutState(config.store().beginPut(bucket, key), auth, h);
            if (r instanceof FullHttpRequest) {
                return; // not with this pipeline, but harmless
            }
        }

        private long decodedLength(HttpHeaders h) {
            String decoded = h.get("x-amz-decoded-content-length");
            String length = decoded != null ? decoded : h.get(HttpHeaderNames.CONTENT_LENGTH);
            if (length == null) {
                return -1;
            }
            try {
                return Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw S3Exception.invalidArgument("Content-Length is not a number");
            }
        }

        private void onBody(ChannelHandlerContext ctx, HttpContent content) {
            try {
                put.feed(content.content());
                if (content instanceof LastHttpContent last) {
                    put.trailers(last.trailingHeaders());
                    Map<String, String> answer = put.finish();
                    put = null;
                    sendEmpty(ctx, 200, answer);
                }
            } catch (S3Exception e) {
                fail(ctx, e);
            } catch (UncheckedIOException e) {
                log.error("storing an object failed", e);
                fail(ctx, new S3Exception(500, "InternalError", "We encountered an internal error. Please try again."));
            }
        }

        // -------------------------------------------------------------- GetObject / HeadObject

        private void get(
                ChannelHandlerContext ctx,
                HttpRequest r,
                String bucket,
                String key,
                Map<String, String> query,
                boolean head) {
            ObjectStore.StoredObject object = config.store().get(bucket, key);
            ObjectStore.Meta meta = object.meta();
            String versionId = query.get("versionId");
            if (versionId != null && !versionId.equals(meta.versionId()) && !"null".equals(versionId)) {
                throw new S3Exception(
                        404,
                        "NoSuchVersion",
                        "The specified version does not exist.",
                        Map.of("Key", key, "VersionId", versionId));
            }
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("ETag", meta.etag());
            headers.put("Last-Modified", HTTP_DATE.format(meta.lastModified()));
            headers.put("x-amz-version-id", meta.versionId());
            headers.put("Accept-Ranges", "bytes");
            HttpResponseStatus precondition = preconditions(r.headers(), meta);
            if (precondition == HttpResponseStatus.NOT_MODIFIED) {
                sendEmpty(ctx, 304, headers);
                return;
            }
            if (precondition == HttpResponseStatus.PRECONDITION_FAILED) {
                throw new S3Exception(
                        412,
                        "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold",
                        Map.of("Condition", "If-Match"));
            }
            long size = meta.size();
            long start = 0;
            long end = size; // exclusive
            String range = r.headers().get(HttpHeaderNames.RANGE);
            boolean partial = false;
            if (range != null && !ifRangeFails(r.headers(), meta)) {
                long[] parsed = parseRange(range, size);
                if (parsed != null) {
                    start = parsed[0];
                    end = parsed[1];
                    partial = true;
                    headers.put("Content-Range", "bytes " + start + "-" + (end - 1) + "/" + size);
                }
            }
            headers.put("Content-Type", meta.contentType());
            meta.userMetadata().forEach((k, v) -> headers.put("x-amz-meta-" + k, v));
            if (!partial && "ENABLED".equalsIgnoreCase(r.headers().get("x-amz-checksum-mode"))) {
                meta.checksums().forEach((k, v) -> headers.put("x-amz-checksum-" + k, v));
            }
            HttpResponse response = new DefaultHttpResponse(
                    HttpVersion.HTTP_1_1, partial ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK);
            headers.forEach((k, v) -> response.headers().set(k, v));
            long length = end - start;
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
            addCommon(response);
            if (head) {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
                finishResponse(
                        ctx,
                        ctx.writeAndFlush(new DefaultFullHttpResponse(
                                HttpVersion.HTTP_1_1,
                                response.status(),
                                Unpooled.EMPTY_BUFFER,
                                response.headers(),
                                EmptyHttpHeaders.INSTANCE)));
                return;
            }
            FileChannel file;
            try {
                file = FileChannel.open(object.file(), StandardOpenOption.READ);
            } catch (IOException e) {
                throw S3Exception.noSuchKey(key); // deleted between the lookup and the open
            }
            ArtifactFaults.Fault fault =
                    config.faults() == null ? null : config.faults().next(bucket, key);
            sendBody(ctx, response, file, start, length, fault);
        }

        private void sendBody(
                ChannelHandlerContext ctx,
                HttpResponse response,
                FileChannel file,
                long start,
                long length,
                ArtifactFaults.Fault fault) {
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ctx.write(response);
            boolean tls = ctx.pipeline().get(SslHandler.class) != null;
            if (fault instanceof ArtifactFaults.Fault.DropAfter drop) {
                long n = Math.min(length, drop.bytes());
                bytesServed.add(n);
                ctx.writeAndFlush(new DefaultFileRegion(file, start, n)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (fault instanceof ArtifactFaults.Fault.StallAfter stall) {
                long n = Math.min(length, stall.bytes());
                bytesServed.add(n);
                ctx.writeAndFlush(new DefaultFileRegion(file, start, n)); // and then nothing more
                return;
            }
            if (fault instanceof ArtifactFaults.Fault.Throttle throttle) {
                ChannelTrafficShapingHandler shaper =
                        new ChannelTrafficShapingHandler(throttle.bytesPerSecond(), 0, 100);
                ctx.pipeline().addFirst("fault-throttle", shaper); // next to the socket, where it sees bytes
                bytesServed.add(length);
                try {
                    ChannelFuture done =
                            ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file, start, length, 16 * 1024)));
                    done.addListener(f -> ctx.pipeline().remove(shaper));
                    finishResponse(ctx, done);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
            try {
                bytesServed.add(length);
                if (fault instanceof ArtifactFaults.Fault.WrongBytes wrong) {
                    finishResponse(
                            ctx,
                            ctx.writeAndFlush(new HttpChunkedInput(new Corrupting(
                                    new ChunkedNioFile(file, start, length, 64 * 1024), start, wrong.offset()))));
                } else if (tls) {
                    finishResponse(
                            ctx,
                            ctx.writeAndFlush(
                                    new HttpChunkedInput(new ChunkedNioFile(file, start, length, 64 * 1024))));
                } else {
                    ctx.write(new DefaultFileRegion(file, start, length));
                    finishResponse(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private HttpResponseStatus preconditions(HttpHeaders h, ObjectStore.Meta meta) {
            String ifMatch = h.get(HttpHeaderNames.IF_MATCH);
            String ifNoneMatch = h.get(HttpHeaderNames.IF_NONE_MATCH);
            Instant modified = meta.lastModified().truncatedTo(ChronoUnit.SECONDS);
            if (ifMatch != null && !etagMatches(ifMatch, meta.etag())) {
                return HttpResponseStatus.PRECONDITION_FAILED;
            }
            if (ifMatch == null) {
                Instant unmodifiedSince = httpDate(h.get(HttpHeaderNames.IF_UNMODIFIED_SINCE));
                if (unmodifiedSince != null && modified.isAfter(unmodifiedSince)) {
                    return HttpResponseStatus.PRECONDITION_FAILED;
                }
            }
            if (ifNoneMatch != null) {
                return etagMatches(ifNoneMatch, meta.etag()) ? HttpResponseStatus.NOT_MODIFIED : null;
            }
            Instant modifiedSince = httpDate(h.get(HttpHeaderNames.IF_MODIFIED_SINCE));
            if (modifiedSince != null && !modified.isAfter(modifiedSince)) {
                return HttpResponseStatus.NOT_MODIFIED;
            }
            return null;
        }

        private boolean ifRangeFails(HttpHeaders h, ObjectStore.Meta meta) {
            String ifRange = h.get(HttpHeaderNames.IF_RANGE);
            if (ifRange == null) {
                return false;
            }
            if (ifRange.startsWith("\"") || ifRange.startsWith("W/")) {
                return !etagMatches(ifRange, meta.etag());
            }
            Instant date = httpDate(ifRange);
            return date == null
                    || meta.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(date);
        }

        // -------------------------------------------------------------- writing answers

        private void addCommon(HttpResponse response) {
            response.headers()
                    .set("x-amz-request-id", requestId())
                    .set("x-amz-id-2", "fleetsim")
                    .set(HttpHeaderNames.SERVER, "fleetsim-s3")
                    .set(HttpHeaderNames.DATE, HTTP_DATE.format(Instant.now()));
        }

        private void sendEmpty(ChannelHandlerContext ctx, int status, Map<String, String> headers) {
            FullHttpResponse response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.EMPTY_BUFFER);
            headers.forEach((k, v) -> response.headers().set(k, v));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            send(ctx, response);
        }

        private void sendXml(ChannelHandlerContext ctx, int status, String body, Map<String, String> headers) {
            FullHttpResponse response = xmlResponse(status, body);
            headers.forEach((k, v) -> response.headers().set(k, v));
            send(ctx, response);
        }

        private void sendError(ChannelHandlerContext ctx, S3Exception e, boolean head) {
            if (head) {
                // HEAD answers carry no body; S3 gives the status alone.
                sendEmpty(ctx, e.status(), Map.of());
                return;
            }
            sendXml(ctx, e.status(), errorXml(e), Map.of());
        }

        private void send(ChannelHandlerContext ctx, FullHttpResponse response) {
            addCommon(response);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            finishResponse(ctx, ctx.writeAndFlush(response));
        }

        private void finishResponse(ChannelHandlerContext ctx, ChannelFuture written) {
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (put != null) {
                put.abort();
                put = null;
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) {
                log.debug("S3 connection error", cause);
            }
            ctx.close();
        }
    }

    // ================================================================== a PUT body

    /**
     * A PUT in progress: plain bodies go straight to the upload; {@code aws-chunked} bodies are decoded (each chunk's
     * signature checked when the seed was signed) with the trailing checksum taken from the trailer.
     */
    private static final class PutState {
        private final ObjectStore.Upload upload;
        private final SigV4.Verified auth;
        private final String payloadHash;
        private final String contentType;
        private final String contentMd5;
        private final Map<String, String> userMetadata = new LinkedHashMap<>();
        private final Map<String, String> declaredChecksums = new LinkedHashMap<>();
        private final Map<String, Checksum> crcs = new LinkedHashMap<>();
        private MessageDigest sha1;
        private final ChunkDecoder chunked;
        private final long decodedLength;

        PutState(ObjectStore.Upload upload, SigV4.Verified auth, HttpHeaders h) {
            this.upload = upload;
            this.auth = auth;
            this.payloadHash = auth.payloadHash();
            this.contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
            this.contentMd5 = h.get("content-md5");
            String decoded = h.get("x-amz-decoded-content-length");
            this.decodedLength = decoded == null ? -1 : Long.parseLong(decoded.trim());
            for (Map.Entry<String, String> e : h) {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                if (name.startsWith("x-amz-meta-")) {
                    userMetadata.put(name.substring("x-amz-meta-".length()), e.getValue());
                } else if (name.startsWith("x-amz-checksum-")
                        && !name.equals("x-amz-checksum-algorithm")
                        && !name.equals("x-amz-checksum-type")) {
                    declaredChecksums.put(name.substring("x-amz-checksum-".length()), e.getValue());
                }
            }
            String trailer = h.get("x-amz-trailer");
            List<String> algorithms = new ArrayList<>(declaredChecksums.keySet());
            if (trailer != null && trailer.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum-")) {
                algorithms.add(trailer.toLowerCase(Locale.ROOT).substring("x-amz-checksum-".length()));
            }
            for (String algorithm : algorithms) {
                switch (algorithm) {
                    case "crc32" -> crcs.put("crc32", new CRC32());
                    case "crc32c" -> crcs.put("crc32c", new CRC32C());
                    case "sha1" -> sha1 = digest("SHA-1");
                    case "sha256" -> {} // the upload hashes SHA-256 anyway
                    default ->
                        throw S3Exception.invalidArgument("the checksum algorithm " + algorithm
                                + " is not supported by the local store (crc32, crc32c, sha1, sha256 are)");
                }
            }
            boolean streaming = payloadHash.startsWith("STREAMING-")
                    || String.valueOf(h.get(HttpHeaderNames.CONTENT_ENCODING)).contains("aws-chunked");
            this.chunked = streaming
                    ? new ChunkDecoder(payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") ? auth : null)
                    : null;
        }

        void feed(ByteBuf data) {
            if (chunked != null) {
                chunked.feed(data, this::write);
            } else {
                write(data);
            }
        }

        private void write(ByteBuf data) {
            for (ByteBuffer b : data.nioBuffers()) {
                for (Checksum c : crcs.values()) {
                    c.update(b.duplicate());
                }
                if (sha1 != null) {
                    sha1.update(b.duplicate());
                }
                upload.write(b);
            }
        }

        void trailers(HttpHeaders trailing) {
            if (chunked != null) {
                chunked.trailers().forEach((k, v) -> {
                    if (k.startsWith("x-amz-checksum-")) {
                        declaredChecksums.put(k.substring("x-amz-checksum-".length()), v);
                    }
                });
            }
            trailing.forEach(e -> {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                if (name.startsWith("x-amz-checksum-")) {
                    declaredChecksums.put(name.substring("x-amz-checksum-".length()), e.getValue());
                }
            });
        }

        /** Checks what the client declared against what arrived, commits, and returns the answer's headers. */
        Map<String, String> finish() {
            if (chunked != null && !chunked.complete()) {
                upload.abort();
                throw new S3Exception(400, "IncompleteBody", "The request body terminated unexpectedly");
            }
            if (decodedLength >= 0 && decodedLength != upload.size()) {
                upload.abort();
                throw new S3Exception(
                        400,
                        "IncompleteBody",
                        "You did not provide the number of bytes specified by the Content-Length HTTP header");
            }
            String sha256Hex = upload.sha256Hex();
            if (payloadHash.length() == 64 && !payloadHash.equalsIgnoreCase(sha256Hex)) {
                upload.abort();
                throw new S3Exception(
                        400,
                        "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        Map.of("ClientComputedContentSHA256", payloadHash, "S3ComputedContentSHA256", sha256Hex));
            }
            if (contentMd5 != null && !contentMd5.equals(upload.md5Base64())) {
                upload.abort();
                throw new S3Exception(
                        400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
            }
            Map<String, String> computed = new LinkedHashMap<>();
            crcs.forEach((name, c) -> computed.put(name, base64Int((int) c.getValue())));
            if (sha1 != null) {
                computed.put("sha1", Base64.getEncoder().encodeToString(sha1.digest()));
            }
            computed.put(
                    "sha256", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex)));
            Map<String, String> kept = new LinkedHashMap<>();
            for (Map.Entry<String, String> d : declaredChecksums.entrySet()) {
                String actual = computed.get(d.getKey());
                if (actual == null) {
                    continue;
                }
                if (!actual.equals(d.getValue())) {
                    upload.abort();
                    throw new S3Exception(
                            400,
                            "BadDigest",
                            "The " + d.getKey().toUpperCase(Locale.ROOT)
                                    + " you specified did not match the calculated checksum.");
                }
                kept.put(d.getKey(), actual);
            }
            ObjectStore.Meta meta = upload.commit(contentType, kept, userMetadata, sha256Hex);
            Map<String, String> answer = new LinkedHashMap<>();
            answer.put("ETag", meta.etag());
            answer.put("x-amz-version-id", meta.versionId());
            kept.forEach((k, v) -> answer.put("x-amz-checksum-" + k, v));
            return answer;
        }

        void abort() {
            upload.abort();
        }

        private static String base64Int(int value) {
            return Base64.getEncoder().encodeToString(new byte[] {
                (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
            });
        }
    }

    /**
     * Decodes {@code aws-chunked}: {@code hex-size[;chunk-signature=sig]\r\n data \r\n} … {@code 0[;…]\r\n}, then
     * trailer lines and an empty line. With {@code auth}, each chunk's signature must chain from the seed signature.
     */
    private static final class ChunkDecoder {
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
                    chunkHash = auth != null ? digest("SHA-256") : null;
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

    /** Flips one byte of the body (fault policy {@link ArtifactFaults.Fault.WrongBytes}). */
    private static final class Corrupting implements ChunkedInput<ByteBuf> {
        private final ChunkedNioFile in;
        private final long offset;
        private long position;

        Corrupting(ChunkedNioFile in, long start, long offset) {
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

    // ================================================================== helpers

    /** An XML answer: the prolog, {@code body}, its type and length. */
    private static FullHttpResponse xmlResponse(int status, String body) {
        ByteBuf content =
                Unpooled.copiedBuffer("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body, StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/xml")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    /** S3's {@code <Error>} document: code, message, the exception's details in order, request and host ids. */
    private static String errorXml(S3Exception e) {
        StringBuilder body = new StringBuilder("<Error><Code>")
                .append(xml(e.code()))
                .append("</Code><Message>")
                .append(xml(e.getMessage()))
                .append("</Message>");
        e.details()
                .forEach((k, v) -> body.append('<')
                        .append(k)
                        .append('>')
                        .append(xml(v))
                        .append("</")
                        .append(k)
                        .append('>'));
        return body.append("<RequestId>")
                .append(requestId())
                .append("</RequestId><HostId>fleetsim</HostId></Error>")
                .toString();
    }

    /** A single {@code bytes=} range as [start, end) within {@code size}; null to serve the whole object. */
    static long[] parseRange(String header, long size) {
        if (!header.startsWith("bytes=") || header.contains(",")) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            long start;
            long end;
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix == 0) {
                    throw invalidRange(size);
                }
                start = Math.max(0, size - suffix);
                end = size;
            } else {
                start = Long.parseLong(a);
                end = b.isEmpty() ? size : Math.min(size, Long.parseLong(b) + 1);
                if (!b.isEmpty() && Long.parseLong(b) < start) {
                    return null; // syntactically invalid: ignored, as RFC 9110 says
                }
            }
            if (start >= size) {
                throw invalidRange(size);
            }
            return new long[] {start, end};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static S3Exception invalidRange(long size) {
        return new S3Exception(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
                Map.of("ActualObjectSize", Long.toString(size)));
    }

    private static boolean etagMatches(String header, String etag) {
        for (String candidate : header.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || c.equals(etag) || ("\"" + c + "\"").equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static Instant httpDate(String text) {
        if (text == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            return null; // an unparseable date is ignored, as HTTP says
        }
    }

    private static String encodeIf(String text, boolean url) {
        return url ? SigV4.encodePath(text) : text;
    }

    static String xml(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\r' -> out.append("&#13;");
                case '\n' -> out.append("&#10;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String requestId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase(Locale.ROOT);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

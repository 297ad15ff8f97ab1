package dev.fleetsim.local.s3;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the artifact store: reads requests, checks their signature, routes them (buckets, listings,
 * PUT, GET/HEAD, DELETE) and writes S3's answers. Event-loop confined, one request at a time (HTTP/1.1).
 */
final class S3Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(S3Connection.class);

    private final S3Server server;

    private HttpRequest request;
    private boolean keepAlive;
    private ObjectPut put;
    /** The request was answered early (an error); its remaining body is dropped. */
    private boolean discarding;

    S3Connection(S3Server server) {
        this.server = server;
    }

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
        server.countRequest();
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
                server.config().credentials()::get,
                server.config().clock().instant(),
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
            sendXml(ctx, 200, Listings.buckets(server.config().store()), Map.of());
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
                if (!server.config().store().bucketExists(bucket)) {
                    throw S3Exception.noSuchBucket(bucket);
                }
                server.config().store().delete(bucket, key);
                sendEmpty(ctx, 204, Map.of());
            }
            default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
        }
    }

    // -------------------------------------------------------------- buckets

    private void bucketRequest(ChannelHandlerContext ctx, String method, String bucket, Map<String, String> query) {
        ObjectStore store = server.config().store();
        switch (method) {
            case "PUT" -> {
                store.createBucket(bucket);
                sendEmpty(ctx, 200, Map.of("Location", "/" + bucket));
            }
            case "HEAD" -> {
                if (!store.bucketExists(bucket)) {
                    throw S3Exception.noSuchBucket(bucket);
                }
                sendEmpty(
                        ctx, 200, Map.of("x-amz-bucket-region", server.config().region()));
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
                            "<LocationConstraint xmlns=\"" + S3Xml.XMLNS + "\">"
                                    + (server.config().region().equals("us-east-1")
                                            ? ""
                                            : S3Xml.escape(server.config().region()))
                                    + "</LocationConstraint>",
                            Map.of());
                    return;
                }
                sendXml(ctx, 200, Listings.objects(server.config().store(), bucket, query), Map.of());
            }
            default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
        }
    }

    // -------------------------------------------------------------- PutObject

    private void beginPut(ChannelHandlerContext ctx, HttpRequest r, String bucket, String key, SigV4.Verified auth) {
        HttpHeaders h = r.headers();
        if (h.contains("x-amz-copy-source")) {
            throw new S3Exception(501, "NotImplemented", "CopyObject is not supported by the local store");
        }
        long declared = decodedLength(h);
        if (declared > server.config().store().maxObjectSize()) {
            keepAlive = false; // do not read a body this large
            throw S3Exception.entityTooLarge(declared, server.config().store().maxObjectSize());
        }
        if (declared < 0 && !HttpUtil.isTransferEncodingChunked(r)) {
            throw new S3Exception(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
        }
        put = new ObjectPut(server.config().store().beginPut(bucket, key), auth, h);
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
        ObjectStore.StoredObject object = server.config().store().get(bucket, key);
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
        headers.put("Last-Modified", S3Xml.HTTP_DATE.format(meta.lastModified()));
        headers.put("x-amz-version-id", meta.versionId());
        headers.put("Accept-Ranges", "bytes");
        HttpResponseStatus precondition = HttpConditions.preconditions(r.headers(), meta.etag(), meta.lastModified());
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
        if (range != null && !HttpConditions.ifRangeFails(r.headers(), meta.etag(), meta.lastModified())) {
            long[] parsed = HttpConditions.parseRange(range, size);
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
        ArtifactFaults.Fault fault = server.config().faults() == null
                ? null
                : server.config().faults().next(bucket, key);
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
            server.countBytes(n);
            ctx.writeAndFlush(new DefaultFileRegion(file, start, n)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (fault instanceof ArtifactFaults.Fault.StallAfter stall) {
            long n = Math.min(length, stall.bytes());
            server.countBytes(n);
            ctx.writeAndFlush(new DefaultFileRegion(file, start, n)); // and then nothing more
            return;
        }
        if (fault instanceof ArtifactFaults.Fault.Throttle throttle) {
            ChannelTrafficShapingHandler shaper = new ChannelTrafficShapingHandler(throttle.bytesPerSecond(), 0, 100);
            ctx.pipeline().addFirst("fault-throttle", shaper); // next to the socket, where it sees bytes
            server.countBytes(length);
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
            server.countBytes(length);
            if (fault instanceof ArtifactFaults.Fault.WrongBytes wrong) {
                finishResponse(
                        ctx,
                        ctx.writeAndFlush(new HttpChunkedInput(new CorruptingInput(
                                new ChunkedNioFile(file, start, length, 64 * 1024), start, wrong.offset()))));
            } else if (tls) {
                finishResponse(
                        ctx,
                        ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file, start, length, 64 * 1024))));
            } else {
                ctx.write(new DefaultFileRegion(file, start, length));
                finishResponse(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // -------------------------------------------------------------- writing answers

    private void addCommon(HttpResponse response) {
        response.headers()
                .set("x-amz-request-id", S3Xml.requestId())
                .set("x-amz-id-2", "fleetsim")
                .set(HttpHeaderNames.SERVER, "fleetsim-s3")
                .set(HttpHeaderNames.DATE, S3Xml.HTTP_DATE.format(Instant.now()));
    }

    private void sendEmpty(ChannelHandlerContext ctx, int status, Map<String, String> headers) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.EMPTY_BUFFER);
        headers.forEach((k, v) -> response.headers().set(k, v));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        send(ctx, response);
    }

    private void sendXml(ChannelHandlerContext ctx, int status, String body, Map<String, String> headers) {
        FullHttpResponse response = S3Xml.response(status, body);
        headers.forEach((k, v) -> response.headers().set(k, v));
        send(ctx, response);
    }

    private void sendError(ChannelHandlerContext ctx, S3Exception e, boolean head) {
        if (head) {
            // HEAD answers carry no body; S3 gives the status alone.
            sendEmpty(ctx, e.status(), Map.of());
            return;
        }
        sendXml(ctx, e.status(), S3Xml.error(e), Map.of());
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

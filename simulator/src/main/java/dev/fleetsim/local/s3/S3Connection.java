package dev.fleetsim.local.s3;

import dev.fleetsim.net.BlockingWork;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the artifact store: reads requests, checks their signature, routes them (buckets, listings,
 * PUT, GET/HEAD, DELETE) and writes S3's answers. Event-loop confined, one request at a time (HTTP/1.1).
 *
 * <p>The loop never touches the disk: creating and deleting buckets and objects, an upload's decoding, hashing,
 * writes and commit, and opening and reading an object's file run in order on the connection's lane of
 * {@link BlockingWork}, with the answer written back on the loop. Reading from the socket pauses while an answer is
 * pending or while more than {@link #MAX_BACKLOG} bytes of a body wait for the disk, so a slow disk slows the client
 * instead of filling memory.
 */
final class S3Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(S3Connection.class);
    /** Body bytes that may wait for the disk before reading pauses. */
    static final long MAX_BACKLOG = 1 << 20;

    private final S3Server server;
    private final BlockingWork.Lane disk = BlockingWork.shared().lane();

    private HttpRequest request;
    private boolean keepAlive;
    private ObjectPut put;
    /** The request was answered early (an error); its remaining body is dropped. */
    private boolean discarding;
    /** Body bytes handed to the lane and not yet written. */
    private long backlog;
    /** An answer waits for the lane. */
    private boolean answering;
    /** A small XML body being gathered (CompleteMultipartUpload), or null. */
    private XmlBody xml;

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
            } else if (msg instanceof HttpContent content && !discarding && xml != null) {
                XmlBody body = xml;
                try {
                    if (body.add(content)) {
                        xml = null;
                        body.complete();
                    }
                } catch (S3Exception e) {
                    xml = null;
                    body.release();
                    fail(ctx, e);
                }
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
        if (xml != null) {
            xml.release();
            xml = null;
        }
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
        abortPut();
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
        if (multipart(ctx, r, method, bucket, key, query, auth)) {
            return;
        }
        switch (method) {
            case "PUT" -> beginPut(ctx, r, server.config().store().beginPut(bucket, key), auth);
            case "GET", "HEAD" -> get(ctx, r, bucket, key, query, method.equals("HEAD"));
            case "DELETE" -> {
                if (!server.config().store().bucketExists(bucket)) {
                    throw S3Exception.noSuchBucket(bucket);
                }
                offLoop(
                        ctx,
                        () -> {
                            server.config().store().delete(bucket, key);
                            return null;
                        },
                        (c, nothing) -> sendEmpty(c, 204, Map.of()));
            }
            default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
        }
    }

    // -------------------------------------------------------------- multipart uploads

    /**
     * The multipart requests on a key: CreateMultipartUpload ({@code POST ?uploads}), UploadPart
     * ({@code PUT ?partNumber&uploadId}), CompleteMultipartUpload ({@code POST ?uploadId}, an XML body), ListParts
     * ({@code GET ?uploadId}) and AbortMultipartUpload ({@code DELETE ?uploadId}). False for any other request.
     */
    private boolean multipart(
            ChannelHandlerContext ctx,
            HttpRequest r,
            String method,
            String bucket,
            String key,
            Map<String, String> query,
            SigV4.Verified auth) {
        ObjectStore store = server.config().store();
        String uploadId = query.get("uploadId");
        if (method.equals("POST") && query.containsKey("uploads")) {
            Map<String, String> metadata = new LinkedHashMap<>();
            r.headers().forEach(h -> {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                if (name.startsWith("x-amz-meta-")) {
                    metadata.put(name.substring("x-amz-meta-".length()), h.getValue());
                }
            });
            String contentType = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
            offLoop(
                    ctx,
                    () -> store.createMultipartUpload(bucket, key, contentType, metadata),
                    (c, upload) -> sendXml(c, 200, MultipartXml.initiated(bucket, key, upload.uploadId()), Map.of()));
            return true;
        }
        if (uploadId == null) {
            return false;
        }
        switch (method) {
            case "PUT" -> {
                String number = query.get("partNumber");
                if (number == null || !number.matches("\\d{1,5}")) {
                    throw S3Exception.invalidArgument("Part number must be an integer between 1 and 10000");
                }
                if (r.headers().contains("x-amz-copy-source")) {
                    throw new S3Exception(501, "NotImplemented", "UploadPartCopy is not supported by the local store");
                }
                beginPut(ctx, r, store.beginPart(bucket, key, uploadId, Integer.parseInt(number)), auth);
            }
            case "POST" ->
                xml = new XmlBody(
                        ctx.alloc(),
                        body -> offLoop(
                                ctx,
                                () -> store.completeMultipartUpload(bucket, key, uploadId, MultipartXml.parts(body)),
                                (c, meta) -> sendXml(
                                        c,
                                        200,
                                        MultipartXml.completed(
                                                server.endpoint() + "/" + bucket + "/" + key, bucket, key, meta),
                                        Map.of("x-amz-version-id", meta.versionId()))));
            case "GET" ->
                offLoop(
                        ctx,
                        () -> store.parts(bucket, key, uploadId),
                        (c, parts) -> sendXml(c, 200, MultipartXml.parts(bucket, key, uploadId, parts), Map.of()));
            case "DELETE" ->
                offLoop(
                        ctx,
                        () -> {
                            store.abortMultipartUpload(bucket, key, uploadId);
                            return null;
                        },
                        (c, nothing) -> sendEmpty(c, 204, Map.of()));
            default -> throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed");
        }
        return true;
    }

    // -------------------------------------------------------------- buckets

    private void bucketRequest(ChannelHandlerContext ctx, String method, String bucket, Map<String, String> query) {
        ObjectStore store = server.config().store();
        switch (method) {
            case "PUT" ->
                offLoop(
                        ctx,
                        () -> {
                            store.createBucket(bucket);
                            return null;
                        },
                        (c, nothing) -> sendEmpty(c, 200, Map.of("Location", "/" + bucket)));
            case "HEAD" -> {
                if (!store.bucketExists(bucket)) {
                    throw S3Exception.noSuchBucket(bucket);
                }
                sendEmpty(
                        ctx, 200, Map.of("x-amz-bucket-region", server.config().region()));
            }
            case "DELETE" ->
                offLoop(
                        ctx,
                        () -> {
                            store.deleteBucket(bucket);
                            return null;
                        },
                        (c, nothing) -> sendEmpty(c, 204, Map.of()));
            case "GET" -> {
                if (query.containsKey("uploads")) {
                    offLoop(
                            ctx,
                            () -> store.multipartUploads(bucket),
                            (c, uploads) -> sendXml(c, 200, MultipartXml.uploads(bucket, uploads), Map.of()));
                    return;
                }
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

    private void beginPut(ChannelHandlerContext ctx, HttpRequest r, ObjectStore.Upload upload, SigV4.Verified auth) {
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
        put = new ObjectPut(upload, auth, h);
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

    /** Hands a piece of the body to the lane (decoding, hashing, writing); the last piece also commits. */
    private void onBody(ChannelHandlerContext ctx, HttpContent content) {
        ObjectPut p = put;
        ByteBuf data = content.content().retain();
        int size = data.readableBytes();
        HttpHeaders trailing =
                content instanceof LastHttpContent last ? last.trailingHeaders().copy() : null;
        backlog += size;
        if (trailing != null) {
            answering = true;
        }
        updateAutoRead(ctx);
        disk.submit(
                        () -> {
                            try {
                                p.feed(data);
                            } finally {
                                data.release();
                            }
                            if (trailing == null) {
                                return null;
                            }
                            p.trailers(trailing);
                            return p.finish();
                        },
                        ctx.executor())
                .whenComplete((answer, error) -> {
                    backlog -= size;
                    if (trailing != null) {
                        answering = false;
                    }
                    updateAutoRead(ctx);
                    if (put != p) {
                        return; // already answered (an earlier piece failed) or the connection moved on
                    }
                    if (error instanceof S3Exception e) {
                        fail(ctx, e);
                    } else if (error != null) {
                        log.error("storing an object failed", error);
                        fail(
                                ctx,
                                new S3Exception(
                                        500, "InternalError", "We encountered an internal error. Please try again."));
                    } else if (trailing != null) {
                        put = null;
                        sendEmpty(ctx, 200, answer);
                    }
                });
    }

    // -------------------------------------------------------------- GetObject / HeadObject

    private void get(
            ChannelHandlerContext ctx,
            HttpRequest r,
            String bucket,
            String key,
            Map<String, String> query,
            boolean head) {
        ObjectStore.StoredObject object = server.config().store().lookup(bucket, key);
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
        ArtifactFaults.Fault fault = server.config().faults() == null
                ? null
                : server.config().faults().next(bucket, key);
        long from = start;
        offLoop(
                ctx,
                () -> {
                    try {
                        return FileChannel.open(object.file(), StandardOpenOption.READ);
                    } catch (NoSuchFileException e) {
                        throw S3Exception.noSuchKey(key); // replaced or deleted between the lookup and the open
                    }
                },
                (c, file) -> sendBody(c, response, file, from, length, fault));
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
            ChannelFuture done = ctx.writeAndFlush(new HttpChunkedInput(chunks(ctx, file, start, length, 16 * 1024)));
            done.addListener(f -> ctx.pipeline().remove(shaper));
            finishResponse(ctx, done);
            return;
        }
        server.countBytes(length);
        if (fault instanceof ArtifactFaults.Fault.WrongBytes wrong) {
            finishResponse(
                    ctx,
                    ctx.writeAndFlush(new HttpChunkedInput(
                            new CorruptingInput(chunks(ctx, file, start, length, 64 * 1024), start, wrong.offset()))));
        } else if (tls) {
            finishResponse(ctx, ctx.writeAndFlush(new HttpChunkedInput(chunks(ctx, file, start, length, 64 * 1024))));
        } else {
            // Zero-copy sendfile: the kernel moves page-cache bytes to the socket.
            ctx.write(new DefaultFileRegion(file, start, length));
            finishResponse(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        }
    }

    private FileChunks chunks(ChannelHandlerContext ctx, FileChannel file, long start, long length, int chunkSize) {
        return new FileChunks(file, start, length, chunkSize, ctx.channel(), disk).prefetch();
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
        // A body that failed half-way (a read error) leaves the client mid-message: close rather than reuse.
        written.addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abortPut();
        if (xml != null) {
            xml.release();
            xml = null;
        }
        ctx.fireChannelInactive();
    }

    /** Drops the upload in progress, after the writes already queued for it. */
    private void abortPut() {
        if (put != null) {
            disk.execute(put::abort);
            put = null;
        }
    }

    /** Reading pauses while an answer waits for the disk or a body's backlog is large. */
    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = !answering && backlog <= MAX_BACKLOG;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    /**
     * Runs {@code work} on the lane and {@code answer} with its result back on the loop; a failure answers with S3's
     * error. Nothing is answered when the connection has moved on (closed, or another request).
     */
    private <T> void offLoop(ChannelHandlerContext ctx, Callable<T> work, BiConsumer<ChannelHandlerContext, T> answer) {
        HttpRequest forRequest = request;
        answering = true;
        updateAutoRead(ctx);
        disk.submit(work, ctx.executor()).whenComplete((value, error) -> {
            answering = false;
            updateAutoRead(ctx);
            if (request != forRequest || !ctx.channel().isActive()) {
                if (value instanceof FileChannel file) {
                    disk.execute(() -> closeQuietly(file));
                }
                return;
            }
            try {
                if (error != null) {
                    throw error;
                }
                answer.accept(ctx, value);
            } catch (S3Exception e) {
                fail(ctx, e);
            } catch (Throwable e) {
                log.error("S3 request {} {} failed", forRequest.method(), forRequest.uri(), e);
                fail(ctx, new S3Exception(500, "InternalError", "We encountered an internal error. Please try again."));
            }
        });
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            log.debug("S3 connection error", cause);
        }
        ctx.close();
    }
}

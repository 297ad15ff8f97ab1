package dev.fleetsim.device.download;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Fetches artifacts over HTTP/1.1 (and HTTPS) on the caller's event loop: one shared instance per fleet, keep-alive
 * connections pooled per loop and origin, no thread of its own.
 *
 * <p>Each body streams through SHA-256 and, when the document carries a code signature, through the ECDSA verifier;
 * the bytes go to a file in the device's sandbox or nowhere, never into a heap buffer of the artifact's size. A
 * dropped or stalled connection resumes with {@code Range: bytes=N-} (and {@code If-Range}); errors that may pass
 * (connection failures, 5xx, 429, truncated bodies) are retried with exponential backoff and jitter; 403/404 and
 * verification failures are final. Per-device bandwidth is a {@link ChannelTrafficShapingHandler} read limit on the
 * connection while it carries that device's transfer; a fleet-wide cap is one shared
 * {@link GlobalTrafficShapingHandler}.
 */
public final class Downloader implements AutoCloseable {
    private static final AttributeKey<Transfer> TRANSFER = AttributeKey.valueOf("fleetsim.download.transfer");
    /** Unshaped reads: fewer wake-ups and digest calls per MiB (the body is hashed in place). */
    private static final RecvByteBufAllocator LARGE_READS =
            new AdaptiveRecvByteBufAllocator(16 * 1024, 128 * 1024, 1024 * 1024);

    private static final AttributeKey<String> ORIGIN = AttributeKey.valueOf("fleetsim.download.origin");
    /** Error bodies (S3's XML) are read up to this size to take the code and message from them. */
    private static final int MAX_ERROR_BODY = 8 * 1024;

    /** Settings shared by every download of a fleet. */
    public record Settings(
            Duration connectTimeout,
            Duration readTimeout,
            int maxRedirects,
            int maxAttempts,
            Duration retryBase,
            Duration retryMax,
            long fleetBytesPerSecond,
            List<X509Certificate> extraTrust) {
        public static Settings defaults() {
            return new Settings(
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30),
                    3,
                    5,
                    Duration.ofMillis(500),
                    Duration.ofSeconds(30),
                    0,
                    List.of());
        }

        public Settings withReadTimeout(Duration value) {
            return new Settings(
                    connectTimeout,
                    value,
                    maxRedirects,
                    maxAttempts,
                    retryBase,
                    retryMax,
                    fleetBytesPerSecond,
                    extraTrust);
        }

        public Settings withRetry(int attempts, Duration base, Duration max) {
            return new Settings(
                    connectTimeout, readTimeout, maxRedirects, attempts, base, max, fleetBytesPerSecond, extraTrust);
        }

        public Settings withFleetBytesPerSecond(long value) {
            return new Settings(
                    connectTimeout, readTimeout, maxRedirects, maxAttempts, retryBase, retryMax, value, extraTrust);
        }

        public Settings withExtraTrust(List<X509Certificate> value) {
            return new Settings(
                    connectTimeout,
                    readTimeout,
                    maxRedirects,
                    maxAttempts,
                    retryBase,
                    retryMax,
                    fleetBytesPerSecond,
                    List.copyOf(value));
        }
    }

    /** Progress of one transfer, on the device's loop. */
    @FunctionalInterface
    public interface Progress {
        void onProgress(long bytes, long total);
    }

    private final Settings settings;
    private final SslContext ssl;
    private final GlobalTrafficShapingHandler fleetShaper;
    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> pools = new ConcurrentHashMap<>();
    private final ClientHandler handler = new ClientHandler();

    public Downloader(EventLoopGroup group, Settings settings) {
        this.settings = settings;
        this.ssl = sslContext(settings.extraTrust());
        this.fleetShaper = settings.fleetBytesPerSecond() > 0
                ? new GlobalTrafficShapingHandler(group, 0, settings.fleetBytesPerSecond(), 100)
                : null;
    }

    /** Starts a download on {@code loop}; the future completes there. */
    public Future<DownloadResult> fetch(EventLoop loop, DownloadRequest request, Progress progress) {
        Promise<DownloadResult> promise = loop.newPromise();
        loop.execute(() -> new Transfer(loop, request, progress, promise).start());
        return promise;
    }

    /** Stops a download started with {@link #fetch}: the future completes CANCELED. Safe from any thread. */
    public static void cancel(Future<DownloadResult> download) {
        download.cancel(false);
    }

    @Override
    public void close() {
        if (fleetShaper != null) {
            fleetShaper.release();
        }
        pools.forEach((loop, byOrigin) -> {
            if (loop.isShuttingDown()) {
                return; // the fleet stopped first: its loops closed their channels
            }
            try {
                loop.execute(() -> {
                    byOrigin.values().forEach(q -> q.forEach(Channel::close));
                    byOrigin.clear();
                });
            } catch (RejectedExecutionException e) {
                // stopped meanwhile
            }
        });
    }

    // ================================================================== one transfer

    private final class Transfer {
        private final EventLoop loop;
        private final DownloadRequest request;
        private final Progress progress;
        private final Promise<DownloadResult> promise;
        private final long started = System.nanoTime();
        private URI uri;
        private int attempts;
        private int resumes;
        private int redirects;
        private long received;
        private long total = -1;
        private long nextProgress;
        private String etag;
        private MessageDigest sha256;
        private Signature verifier;
        private FileChannel sink;
        private Channel channel;
        private boolean done;
        /** The current response: its status, whether the body is ours, and an error body being read. */
        private int status;

        private boolean bodyIsArtifact;
        private boolean keepAlive;
        private StringBuilder errorBody;
        private URI redirectTo;

        Transfer(EventLoop loop, DownloadRequest request, Progress progress, Promise<DownloadResult> promise) {
            this.loop = loop;
            this.request = request;
            this.progress = progress;
            this.promise = promise;
            promise.addListener(f -> {
                if (f.isCancelled()) {
                    loop.execute(() -> {
                        if (!done) {
                            done = true;
                            closeChannel();
                            closeSink();
                        }
                    });
                }
            });
        }

        void start() {
            try {
                uri = checkUrl(request.url());
            } catch (IllegalArgumentException e) {
                finish(DownloadResult.Outcome.REJECTED, e.getMessage());
                return;
            }
            try {
                if (request.sink() != null) {
                    Files.createDirectories(request.sink().getParent());
                    sink = FileChannel.open(
                            request.sink(),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                }
            } catch (IOException e) {
                finish(
                        DownloadResult.Outcome.FAILED,
                        "cannot write " + request.sink().getFileName() + ": " + e);
                return;
            }
            restartBody();
            connect();
        }

        /** From byte 0 again: fresh digests, an empty file. */
        private void restartBody() {
            received = 0;
            nextProgress = 0;
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
                if (request.signature() != null && request.signer() != null) {
                    verifier = Signature.getInstance("SHA256withECDSA");
                    verifier.initVerify(request.signer());
                }
                if (sink != null) {
                    sink.truncate(0);
                }
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private void connect() {
            if (done) {
                return;
            }
            attempts++;
            String origin = origin(uri);
            Channel pooled = poll(origin);
            if (pooled != null) {
                send(pooled);
                return;
            }
            boolean tls = "https".equals(uri.getScheme());
            int port = port(uri);
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                            settings.connectTimeout().toMillis())
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
                                    .addLast("http", new HttpClientCodec())
                                    .addLast(
                                            "idle",
                                            new IdleStateHandler(
                                                    settings.readTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                                    .addLast("download", handler);
                        }
                    });
            ChannelFuture connecting = bootstrap.connect(uri.getHost(), port);
            connecting.addListener(f -> {
                if (!f.isSuccess()) {
                    broken("cannot connect to " + origin + ": " + describe(f.cause()));
                    return;
                }
                connecting.channel().attr(ORIGIN).set(origin);
                send(connecting.channel());
            });
        }

        private void send(Channel ch) {
            if (done) {
                release(ch, true);
                return;
            }
            channel = ch;
            ch.attr(TRANSFER).set(this);
            ChannelTrafficShapingHandler shaper =
                    (ChannelTrafficShapingHandler) ch.pipeline().get("shaper");
            shaper.configure(0, Math.max(0, request.bytesPerSecond()));
            // A shaper pauses reading after each read for as long as that read's bytes take at the rate, so a shaped
            // device (or any device under a fleet-wide cap) reads in slices of about a tenth of a second of its
            // bandwidth; unshaped, large reads.
            long rate = request.bytesPerSecond() > 0 ? request.bytesPerSecond() : settings.fleetBytesPerSecond();
            ch.config()
                    .setRecvByteBufAllocator(
                            rate > 0
                                    ? new FixedRecvByteBufAllocator(
                                            (int) Math.max(1024, Math.min(64 * 1024, rate / 10)))
                                    : LARGE_READS);
            status = 0;
            errorBody = null;
            redirectTo = null;
            String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                target += "?" + uri.getRawQuery();
            }
            FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
            int port = port(uri);
            boolean defaultPort = port == ("https".equals(uri.getScheme()) ? 443 : 80);
            get.headers()
                    .set(HttpHeaderNames.HOST, defaultPort ? uri.getHost() : uri.getHost() + ":" + port)
                    .set(HttpHeaderNames.USER_AGENT, "fleetsim-device")
                    .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            if (received > 0) {
                get.headers().set(HttpHeaderNames.RANGE, "bytes=" + received + "-");
                if (etag != null) {
                    get.headers().set(HttpHeaderNames.IF_RANGE, etag);
                }
            }
            ch.writeAndFlush(get).addListener(f -> {
                if (!f.isSuccess()) {
                    broken("request failed: " + describe(f.cause()));
                }
            });
        }

        // -------------------------------------------------------------- the response

        void onResponse(HttpResponse response) {
            status = response.status().code();
            keepAlive = HttpUtil.isKeepAlive(response);
            bodyIsArtifact = false;
            long length = HttpUtil.getContentLength(response, -1L);
            if (status == 200 || status == 206) {
                if (status == 200 && received > 0) {
                    restartBody(); // the server ignored our Range: start over
                } else if (status == 206) {
                    long start = contentRangeStart(response.headers().get(HttpHeaderNames.CONTENT_RANGE));
                    if (start != received) {
                        restartBody();
                        broken("the server resumed at byte " + start + " instead of " + received);
                        return;
                    }
                    resumes++;
                }
                if (status == 200) {
                    total = length;
                } else {
                    total = contentRangeTotal(response.headers().get(HttpHeaderNames.CONTENT_RANGE));
                }
                String tag = response.headers().get(HttpHeaderNames.ETAG);
                if (tag != null) {
                    etag = tag;
                }
                if (total > request.maxBytes()) {
                    finish(
                            DownloadResult.Outcome.REJECTED,
                            "the artifact is " + total + " bytes, over the device's" + " limit of "
                                    + request.maxBytes());
                    return;
                }
                if (request.expectedSize() != null && total >= 0 && total != request.expectedSize()) {
                    finish(
                            DownloadResult.Outcome.FAILED,
                            "size mismatch: the document says " + request.expectedSize() + " bytes, the server sends "
                                    + total);
                    return;
                }
                bodyIsArtifact = true;
                return;
            }
            if (status >= 300 && status < 400 && response.headers().contains(HttpHeaderNames.LOCATION)) {
                try {
                    redirectTo = checkUrl(uri.resolve(response.headers().get(HttpHeaderNames.LOCATION))
                            .toString());
                } catch (IllegalArgumentException e) {
                    finish(DownloadResult.Outcome.FAILED, "bad redirect: " + e.getMessage());
                }
                return;
            }
            errorBody = new StringBuilder();
        }

        void onContent(HttpContent content) {
            if (done) {
                return;
            }
            ByteBuf buf = content.content();
            int n = buf.readableBytes();
            if (bodyIsArtifact && n > 0) {
                if (received + n > request.maxBytes()) {
                    finish(
                            DownloadResult.Outcome.REJECTED,
                            "the body exceeds the device's limit of " + request.maxBytes() + " bytes");
                    return;
                }
                try {
                    for (ByteBuffer b : buf.nioBuffers()) {
                        sha256.update(b.duplicate());
                        if (verifier != null) {
                            verifier.update(b.duplicate());
                        }
                    }
                    if (sink != null) {
                        buf.getBytes(buf.readerIndex(), sink, received, n);
                    }
                } catch (GeneralSecurityException | IOException e) {
                    finish(DownloadResult.Outcome.FAILED, "cannot store the artifact: " + e.getMessage());
                    return;
                }
                received += n;
                reportProgress();
            } else if (errorBody != null && errorBody.length() < MAX_ERROR_BODY) {
                errorBody.append(buf.toString(StandardCharsets.UTF_8));
            }
            if (content instanceof LastHttpContent) {
                onEnd();
            }
        }

        private void reportProgress() {
            int step = request.progressStepPercent();
            if (step <= 0 || total <= 0 || progress == null) {
                return;
            }
            if (received >= nextProgress) {
                progress.onProgress(received, total);
                long stepBytes = Math.max(1, total * step / 100);
                nextProgress = (received / stepBytes + 1) * stepBytes;
            }
        }

        private void onEnd() {
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                ch.attr(TRANSFER).set(null);
                release(ch, !keepAlive);
            }
            if (redirectTo != null) {
                if (++redirects > settings.maxRedirects()) {
                    finish(DownloadResult.Outcome.FAILED, "more than " + settings.maxRedirects() + " redirects");
                    return;
                }
                uri = redirectTo;
                attempts--; // a redirect is not a failed attempt
                connect();
                return;
            }
            if (status == 200 || status == 206) {
                if (total >= 0 && received < total) {
                    broken("the body ended after " + received + " of " + total + " bytes");
                    return;
                }
                verifyAndFinish();
                return;
            }
            String reason = "HTTP " + status + s3Error(errorBody);
            if (status == 429 || status >= 500) {
                broken(reason);
            } else {
                finish(DownloadResult.Outcome.FAILED, reason);
            }
        }

        private void verifyAndFinish() {
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (request.expectedSize() != null && received != request.expectedSize()) {
                finish(
                        DownloadResult.Outcome.FAILED,
                        "size mismatch: the document says " + request.expectedSize() + " bytes, received " + received);
                return;
            }
            if (request.sha256Hex() != null && !request.sha256Hex().equalsIgnoreCase(actual)) {
                finish(
                        DownloadResult.Outcome.FAILED,
                        "SHA-256 mismatch: expected " + request.sha256Hex() + ", got " + actual,
                        actual);
                return;
            }
            if (request.signature() != null) {
                boolean valid;
                try {
                    valid = verifier != null && verifier.verify(request.signature());
                } catch (GeneralSecurityException e) {
                    valid = false;
                }
                if (!valid) {
                    finish(
                            DownloadResult.Outcome.FAILED,
                            request.signer() == null
                                    ? "the artifact is signed but the device has no code-signing certificate"
                                    : "the code signature does not verify (SHA256withECDSA)",
                            actual);
                    return;
                }
            }
            finish(DownloadResult.Outcome.SUCCEEDED, null, actual);
        }

        void tlsFailed(String reason) {
            finish(DownloadResult.Outcome.FAILED, reason);
        }

        /** The connection broke or the server had a passing problem: resume after a backoff, or give up. */
        void broken(String reason) {
            if (done) {
                return;
            }
            closeChannel();
            if (attempts >= settings.maxAttempts()) {
                finish(DownloadResult.Outcome.FAILED, "gave up after " + attempts + " attempts: " + reason);
                return;
            }
            long base = settings.retryBase().toMillis();
            long cap = Math.min(settings.retryMax().toMillis(), base << Math.min(attempts - 1, 16));
            long delay = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
            loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }

        private void finish(DownloadResult.Outcome outcome, String reason) {
            finish(outcome, reason, null);
        }

        private void finish(DownloadResult.Outcome outcome, String reason, String sha) {
            if (done) {
                return;
            }
            done = true;
            if (channel != null) {
                closeChannel();
            }
            closeSink();
            if (outcome != DownloadResult.Outcome.SUCCEEDED && request.sink() != null) {
                try {
                    Files.deleteIfExists(request.sink()); // nothing unverified stays on the device
                } catch (IOException ignored) {
                    // best effort
                }
            }
            promise.trySuccess(
                    new DownloadResult(outcome, reason, received, sha, attempts, resumes, System.nanoTime() - started));
        }

        private void closeChannel() {
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                ch.attr(TRANSFER).set(null);
                ch.close();
            }
        }

        private void closeSink() {
            if (sink != null) {
                try {
                    sink.close();
                } catch (IOException ignored) {
                    // nothing more to write
                }
            }
        }

        private Channel poll(String origin) {
            ArrayDeque<Channel> idle = pool(origin);
            Channel ch;
            while ((ch = idle.poll()) != null) {
                if (ch.isActive()) {
                    return ch;
                }
            }
            return null;
        }

        private void release(Channel ch, boolean close) {
            if (close || !ch.isActive()) {
                ch.close();
                return;
            }
            ((ChannelTrafficShapingHandler) ch.pipeline().get("shaper")).configure(0, 0);
            pool(ch.attr(ORIGIN).get()).add(ch);
        }

        private ArrayDeque<Channel> pool(String origin) {
            return pools.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(origin, o -> new ArrayDeque<>());
        }
    }

    // ================================================================== the shared channel handler

    @ChannelHandler.Sharable
    private static final class ClientHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Transfer t = ctx.channel().attr(TRANSFER).get();
                if (t == null) {
                    return; // an idle pooled connection got something: ignore it
                }
                if (msg instanceof HttpResponse response) {
                    t.onResponse(response);
                }
                if (msg instanceof HttpContent content
                        && ctx.channel().attr(TRANSFER).get() == t) {
                    t.onContent(content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
                Transfer t = ctx.channel().attr(TRANSFER).get();
                if (t != null) {
                    // Not a passing failure: an untrusted or mismatched certificate does not get better on retry.
                    ctx.channel().attr(TRANSFER).set(null);
                    t.channel = null;
                    Throwable cause = handshake.cause();
                    while (cause.getCause() != null && cause.getMessage() == null) {
                        cause = cause.getCause();
                    }
                    t.tlsFailed("TLS handshake with the server failed: " + describe(cause));
                }
                ctx.close();
                return;
            }
            if (evt instanceof IdleStateEvent) {
                Transfer t = ctx.channel().attr(TRANSFER).get();
                if (t != null) {
                    t.broken("no data for " + t.received + " bytes in; the server stalled");
                } else {
                    ctx.close(); // an idle pooled connection: let it go
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Transfer t = ctx.channel().attr(TRANSFER).get();
            if (t != null) {
                ctx.channel().attr(TRANSFER).set(null);
                t.channel = null;
                t.broken("the connection dropped after " + t.received + " bytes");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // channelInactive resumes the transfer
        }
    }

    // ================================================================== helpers

    /** Only http and https with a host; anything else is a document error. */
    static URI checkUrl(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + abbreviate(text));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("only http and https URLs are allowed: " + abbreviate(text));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the URL has no host: " + abbreviate(text));
        }
        return uri;
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + ":" + port(uri);
    }

    private static long contentRangeStart(String header) {
        // bytes 100-199/1000
        if (header == null || !header.startsWith("bytes ")) {
            return -1;
        }
        try {
            return Long.parseLong(header.substring(6, header.indexOf('-')).trim());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static long contentRangeTotal(String header) {
        if (header == null) {
            return -1;
        }
        int slash = header.indexOf('/');
        try {
            return slash < 0 || header.endsWith("*")
                    ? -1
                    : Long.parseLong(header.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** ": Code: Message" from an S3 XML error body, or nothing. */
    private static String s3Error(StringBuilder body) {
        if (body == null) {
            return "";
        }
        String text = body.toString();
        String code = between(text, "<Code>", "</Code>");
        String message = between(text, "<Message>", "</Message>");
        if (code == null) {
            return "";
        }
        return " " + code + (message == null ? "" : ": " + message);
    }

    private static String between(String text, String open, String close) {
        int a = text.indexOf(open);
        int b = a < 0 ? -1 : text.indexOf(close, a);
        return b < 0 ? null : text.substring(a + open.length(), b);
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private static SslContext sslContext(List<X509Certificate> extraTrust) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .endpointIdentificationAlgorithm("HTTPS");
            if (!extraTrust.isEmpty()) {
                // The JDK's trust anchors and the extra ones (e.g. the local stack's CA), together.
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                TrustManagerFactory defaults =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                defaults.init((KeyStore) null);
                int i = 0;
                for (var tm : defaults.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) {
                        for (X509Certificate c : x.getAcceptedIssuers()) {
                            store.setCertificateEntry("default-" + i++, c);
                        }
                    }
                }
                for (X509Certificate c : extraTrust) {
                    store.setCertificateEntry("extra-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                builder.trustManager(tmf);
            }
            return builder.build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for downloads", e);
        }
    }
}

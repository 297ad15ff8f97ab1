package dev.fleetsim.device.download;

import dev.fleetsim.net.Backoff;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.util.concurrent.Promise;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One download on the device's loop: HTTP GET (redirects, at most {@code maxRedirects}), the body through a
 * {@link StreamingVerifier} into a {@link SandboxFile} or nowhere, {@code Range: bytes=N-} with {@code If-Range} to
 * resume after a drop or stall, passing failures (connects, 5xx, 429, truncated bodies) retried under one
 * {@link Backoff}, final ones (403, 404, TLS, verification) not.
 *
 * <pre>
 *   start ─► (open the sandbox file) ─► connect/poll ─► send ─► response ──200/206──► body … ─► end ─► verify ─► done
 *                                          ▲                      │ 3xx: again to Location        │ short body, stall,
 *                                          └──── backoff ◄────────┴── 5xx, 429, drop ◄──────────┘ drop: resume
 * </pre>
 *
 * <p>Loop-confined: every method runs on {@link #loop}.
 */
final class Transfer {
    /** Error bodies (S3's XML) are read up to this size to take the code and message from them. */
    private static final int MAX_ERROR_BODY = 8 * 1024;
    /**
     * Hashing on another core while the loop reads on ({@link StreamingVerifier}'s lane) pays off for a body of this
     * many bytes or more, read unshaped, while fewer transfers than cores run (so a core is free): measured with
     * {@code bench download} on 2 cores, one 1 GiB stream went from 62 to 75-82 % of a core's SHA-256 speed, 128 MiB
     * gained 16 %, 64 MiB broke even and 8 MiB lost 12 % (each transfer pays for starting the hand-over anew). With a
     * transfer per core or more every core is busy anyway, and hashing where the bytes were read is cheapest.
     */
    static final long HAND_OVER_FROM = 64L * 1024 * 1024;

    /** Pieces smaller than this (a slow server's short reads) are hashed on the loop while the lane is empty. */
    private static final int MIN_HANDED_OVER = 64 * 1024;

    private static final int HASHING_CORES = Runtime.getRuntime().availableProcessors();

    private final Downloader downloader;
    private final EventLoop loop;
    private final DownloadRequest request;
    private final Downloader.Progress progress;
    private final Promise<DownloadResult> promise;
    private final StreamingVerifier verifier;
    private final Backoff backoff;
    private final long started = System.nanoTime();
    private URI uri;
    private int attempts;
    private int resumes;
    private int redirects;
    private long received;
    private long total = -1;
    private long nextProgress;
    private String etag;
    private SandboxFile file;
    private Channel channel;
    private boolean done;
    /** The current response: its status, whether the body is ours, and an error body being read. */
    private int status;

    private boolean bodyIsArtifact;
    private boolean keepAlive;
    private boolean unshaped;
    /** Whether this body is worth hashing on another core (see {@link Downloader.Settings#handOverFrom}). */
    private boolean handOver;

    private StringBuilder errorBody;
    private URI redirectTo;

    Transfer(
            Downloader downloader,
            EventLoop loop,
            DownloadRequest request,
            Downloader.Progress progress,
            Promise<DownloadResult> promise) {
        this.downloader = downloader;
        this.loop = loop;
        this.request = request;
        this.progress = progress;
        this.promise = promise;
        this.verifier = new StreamingVerifier(
                request.expectedSize(), request.sha256Hex(), request.signature(), request.signer(), loop);
        Downloader.Settings settings = downloader.settings();
        this.backoff = new Backoff(settings.retryBase(), settings.retryMax());
        promise.addListener(f -> {
            if (f.isCancelled()) {
                loop.execute(this::cancel);
            }
        });
    }

    void start() {
        assert loop.inEventLoop();
        downloader.transfers(+1);
        try {
            uri = checkUrl(request.url());
        } catch (IllegalArgumentException e) {
            finish(DownloadResult.Outcome.REJECTED, e.getMessage());
            return;
        }
        if (request.sink() == null) {
            connect();
            return;
        }
        SandboxFile.open(request.sink(), loop).whenComplete((opened, error) -> {
            if (error != null) {
                finish(
                        DownloadResult.Outcome.FAILED,
                        "cannot write " + request.sink().getFileName() + ": " + describe(error));
            } else if (done) {
                opened.close(true, 0);
            } else {
                file = opened;
                connect();
            }
        });
    }

    private void cancel() {
        assert loop.inEventLoop();
        if (!done) {
            done = true;
            downloader.transfers(-1);
            closeChannel();
            if (file != null) {
                file.close(true, 0);
            }
        }
    }

    /** From byte 0 again: fresh digests; the file is written over from its start. */
    private void restartBody() {
        assert loop.inEventLoop();
        received = 0;
        nextProgress = 0;
        verifier.reset();
    }

    private void connect() {
        assert loop.inEventLoop();
        if (done) {
            return;
        }
        attempts++;
        Channel pooled = downloader.pool().poll(loop, origin(uri));
        if (pooled != null) {
            send(pooled);
            return;
        }
        ChannelFuture connecting = downloader.pool().connect(loop, uri);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                broken("cannot connect to " + origin(uri) + ": " + describe(f.cause()));
                return;
            }
            send(connecting.channel());
        });
    }

    private void send(Channel ch) {
        assert loop.inEventLoop();
        if (done) {
            downloader.pool().release(loop, ch, true);
            return;
        }
        channel = ch;
        ch.attr(TransferHandler.TRANSFER).set(this);
        ChannelTrafficShapingHandler shaper =
                (ChannelTrafficShapingHandler) ch.pipeline().get("shaper");
        shaper.configure(0, Math.max(0, request.bytesPerSecond()));
        // A shaper pauses reading after each read for as long as that read's bytes take at the rate, so a shaped
        // device (or any device under a fleet-wide cap) reads in slices of about a tenth of a second of its
        // bandwidth; unshaped, large reads.
        long rate = request.bytesPerSecond() > 0
                ? request.bytesPerSecond()
                : downloader.settings().fleetBytesPerSecond();
        unshaped = rate <= 0;
        ch.config()
                .setRecvByteBufAllocator(
                        rate > 0
                                ? new FixedRecvByteBufAllocator((int) Math.max(1024, Math.min(64 * 1024, rate / 10)))
                                : ConnectionPool.LARGE_READS);
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
        assert loop.inEventLoop();
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
            total = status == 200
                    ? length
                    : contentRangeTotal(response.headers().get(HttpHeaderNames.CONTENT_RANGE));
            String tag = response.headers().get(HttpHeaderNames.ETAG);
            if (tag != null) {
                etag = tag;
            }
            if (total > request.maxBytes()) {
                finish(
                        DownloadResult.Outcome.REJECTED,
                        "the artifact is " + total + " bytes, over the device's limit of " + request.maxBytes());
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
            handOver = unshaped
                    && total >= 0
                    && total - received >= downloader.settings().handOverFrom();
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
        assert loop.inEventLoop();
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
            if (verifier.update(buf, handOver && n >= MIN_HANDED_OVER && downloader.transfers() < HASHING_CORES)) {
                downloader.handedOver(n);
            }
            if (file != null) {
                if (file.failure() != null) {
                    finish(DownloadResult.Outcome.FAILED, "cannot store the artifact: " + file.failure());
                    return;
                }
                file.write(buf.retainedSlice(), received);
            }
            if ((file != null && file.backlogged()) || verifier.backlogged()) {
                pauseReading();
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

    /** The disk or the hashing lane fell behind the network: stop reading until both catch up. */
    private void pauseReading() {
        assert loop.inEventLoop();
        Channel ch = channel;
        ch.config().setAutoRead(false);
        resumeWhenCaughtUp(ch);
    }

    private void resumeWhenCaughtUp(Channel ch) {
        assert loop.inEventLoop();
        if (channel != ch || done) {
            return;
        }
        if (file != null && file.backlogged()) {
            file.drained(() -> resumeWhenCaughtUp(ch));
        } else if (verifier.backlogged()) {
            verifier.whenCaughtUp(() -> resumeWhenCaughtUp(ch));
        } else {
            ch.config().setAutoRead(true);
            ch.read();
        }
    }

    private void reportProgress() {
        assert loop.inEventLoop();
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
        assert loop.inEventLoop();
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            ch.attr(TransferHandler.TRANSFER).set(null);
            downloader.pool().release(loop, ch, !keepAlive);
        }
        if (redirectTo != null) {
            if (++redirects > downloader.settings().maxRedirects()) {
                finish(
                        DownloadResult.Outcome.FAILED,
                        "more than " + downloader.settings().maxRedirects() + " redirects");
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
            verifier.whenHashed(() -> {
                String sha = verifier.finishSha256Hex();
                String failure = verifier.failure(sha);
                finish(
                        failure == null ? DownloadResult.Outcome.SUCCEEDED : DownloadResult.Outcome.FAILED,
                        failure,
                        sha);
            });
            return;
        }
        String reason = "HTTP " + status + s3Error(errorBody);
        if (status == 429 || status >= 500) {
            broken(reason);
        } else {
            finish(DownloadResult.Outcome.FAILED, reason);
        }
    }

    void tlsFailed(String reason) {
        assert loop.inEventLoop();
        channel = null;
        finish(DownloadResult.Outcome.FAILED, reason);
    }

    /** The server sent nothing for the read timeout. */
    void stalled() {
        assert loop.inEventLoop();
        broken("no data for " + downloader.settings().readTimeout().toSeconds() + " s after " + received
                + " bytes; the server stalled");
    }

    /** The connection closed under the transfer. */
    void dropped() {
        assert loop.inEventLoop();
        channel = null;
        broken("the connection dropped after " + received + " bytes");
    }

    /** The connection broke or the server had a passing problem: resume after a backoff, or give up. */
    private void broken(String reason) {
        assert loop.inEventLoop();
        if (done) {
            return;
        }
        closeChannel();
        if (attempts >= downloader.settings().maxAttempts()) {
            finish(DownloadResult.Outcome.FAILED, "gave up after " + attempts + " attempts: " + reason);
            return;
        }
        loop.schedule(this::connect, backoff.delayMillis(attempts), TimeUnit.MILLISECONDS);
    }

    private void finish(DownloadResult.Outcome outcome, String reason) {
        assert loop.inEventLoop();
        finish(outcome, reason, null);
    }

    /**
     * Ends the transfer. A verified artifact is complete once its last write landed; anything else is removed from
     * the sandbox. The future completes on the loop after that.
     */
    private void finish(DownloadResult.Outcome outcome, String reason, String sha) {
        assert loop.inEventLoop();
        if (done) {
            return;
        }
        done = true;
        downloader.transfers(-1);
        closeChannel();
        if (file == null) {
            complete(outcome, reason, sha);
            return;
        }
        SandboxFile written = file;
        written.drained(() -> {
            boolean ok = outcome == DownloadResult.Outcome.SUCCEEDED && written.failure() == null;
            written.close(!ok, received).whenComplete((v, e) -> {
                if (outcome == DownloadResult.Outcome.SUCCEEDED && !ok) {
                    complete(DownloadResult.Outcome.FAILED, "cannot store the artifact: " + written.failure(), sha);
                } else {
                    complete(outcome, reason, sha);
                }
            });
        });
    }

    private void complete(DownloadResult.Outcome outcome, String reason, String sha) {
        assert loop.inEventLoop();
        promise.trySuccess(
                new DownloadResult(outcome, reason, received, sha, attempts, resumes, System.nanoTime() - started));
    }

    private void closeChannel() {
        assert loop.inEventLoop();
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            ch.attr(TransferHandler.TRANSFER).set(null);
            ch.close();
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

    static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + ":" + port(uri);
    }

    /** The first byte of {@code Content-Range: bytes 100-199/1000}, or -1. */
    static long contentRangeStart(String header) {
        if (header == null || !header.startsWith("bytes ")) {
            return -1;
        }
        try {
            return Long.parseLong(header.substring(6, header.indexOf('-')).trim());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The complete length of {@code Content-Range: bytes 100-199/1000}, or -1 when unknown. */
    static long contentRangeTotal(String header) {
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

    /** " Code: Message" from an S3 XML error body, or nothing. */
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

    static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}

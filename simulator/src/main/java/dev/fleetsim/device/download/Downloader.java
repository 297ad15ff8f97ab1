package dev.fleetsim.device.download;

import dev.fleetsim.net.TlsProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * verification failures are final ({@link Transfer}). Per-device bandwidth is a {@link ChannelTrafficShapingHandler} read limit on the
 * connection while it carries that device's transfer; a fleet-wide cap is one shared
 * {@link GlobalTrafficShapingHandler}.
 */
public final class Downloader implements AutoCloseable {
    /**
     * Settings shared by every download of a fleet.
     *
     * @param handOverFrom an unshaped body of this many bytes or more is hashed on another core while the loop reads on,
     *     when fewer transfers than cores run ({@link Transfer#HAND_OVER_FROM} by default; 0 for every body)
     */
    public record Settings(
            Duration connectTimeout,
            Duration readTimeout,
            int maxRedirects,
            int maxAttempts,
            Duration retryBase,
            Duration retryMax,
            long fleetBytesPerSecond,
            List<X509Certificate> extraTrust,
            long handOverFrom) {
        public static Settings defaults() {
            return new Settings(
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30),
                    3,
                    5,
                    Duration.ofMillis(500),
                    Duration.ofSeconds(30),
                    0,
                    List.of(),
                    Transfer.HAND_OVER_FROM);
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
                    extraTrust,
                    handOverFrom);
        }

        public Settings withRetry(int attempts, Duration base, Duration max) {
            return new Settings(
                    connectTimeout,
                    readTimeout,
                    maxRedirects,
                    attempts,
                    base,
                    max,
                    fleetBytesPerSecond,
                    extraTrust,
                    handOverFrom);
        }

        public Settings withFleetBytesPerSecond(long value) {
            return new Settings(
                    connectTimeout,
                    readTimeout,
                    maxRedirects,
                    maxAttempts,
                    retryBase,
                    retryMax,
                    value,
                    extraTrust,
                    handOverFrom);
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
                    List.copyOf(value),
                    handOverFrom);
        }

        public Settings withHandOverFrom(long bytes) {
            return new Settings(
                    connectTimeout,
                    readTimeout,
                    maxRedirects,
                    maxAttempts,
                    retryBase,
                    retryMax,
                    fleetBytesPerSecond,
                    extraTrust,
                    bytes);
        }
    }

    /** Progress of one transfer, on the device's loop. */
    @FunctionalInterface
    public interface Progress {
        void onProgress(long bytes, long total);
    }

    private final Settings settings;
    private final GlobalTrafficShapingHandler fleetShaper;
    private final ConnectionPool pool;
    private final AtomicInteger transfers = new AtomicInteger();
    private final AtomicLong handedOver = new AtomicLong();

    public Downloader(EventLoopGroup group, Settings settings) {
        this.settings = settings;
        this.fleetShaper = settings.fleetBytesPerSecond() > 0
                ? new GlobalTrafficShapingHandler(group, 0, settings.fleetBytesPerSecond(), 100)
                : null;
        this.pool = new ConnectionPool(
                sslContext(settings.extraTrust()),
                fleetShaper,
                new TransferHandler(),
                settings.connectTimeout(),
                settings.readTimeout());
    }

    /** Starts a download on {@code loop}; the future completes there. */
    public Future<DownloadResult> fetch(EventLoop loop, DownloadRequest request, Progress progress) {
        Promise<DownloadResult> promise = loop.newPromise();
        loop.execute(() -> new Transfer(this, loop, request, progress, promise).start());
        return promise;
    }

    /** Stops a download started with {@link #fetch}: the future completes CANCELED. Safe from any thread. */
    public static void cancel(Future<DownloadResult> download) {
        download.cancel(false);
    }

    /** Adds {@code delta} to the count of this downloader's running transfers. Any thread. */
    void transfers(int delta) {
        transfers.addAndGet(delta);
    }

    /** Counts body bytes hashed on another core (see {@link Settings#handOverFrom}). Any thread. */
    void handedOver(long bytes) {
        handedOver.addAndGet(bytes);
    }

    /** Body bytes hashed on another core so far ({@link Settings#handOverFrom}). Any thread. */
    public long handedOverBytes() {
        return handedOver.get();
    }

    /** This downloader's running transfers (a fleet has one downloader). Any thread. */
    int transfers() {
        return transfers.get();
    }

    Settings settings() {
        return settings;
    }

    ConnectionPool pool() {
        return pool;
    }

    @Override
    public void close() {
        if (fleetShaper != null) {
            fleetShaper.release();
        }
        pool.close();
    }

    private static SslContext sslContext(List<X509Certificate> extraTrust) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(TlsProvider.provider())
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

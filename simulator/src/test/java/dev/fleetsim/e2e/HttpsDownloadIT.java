package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.fleetsim.device.download.DownloadRequest;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.download.DownloadResult.Outcome;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.local.identity.LocalCa;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads over HTTPS from a server that is not the local store (the JDK's HTTPS server with a certificate from the
 * local CA): certificates are verified by default, an extra trust anchor makes the local CA acceptable, redirects are
 * followed up to the limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpsDownloadIT {
    @TempDir
    static Path dir;

    private static final byte[] BODY = new byte[700_000];
    private static String sha256;
    private static HttpsServer server;
    private static LocalCa ca;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        new Random(5).nextBytes(BODY);
        sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BODY));
        ca = LocalCa.open(dir.resolve("ca"), List.of("localhost", "127.0.0.1"));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.serverKeyStore())) {
            keys.load(in, LocalCa.STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, LocalCa.STORE_PASSWORD.toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.createContext("/fw.bin", exchange -> {
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(BODY);
            }
        });
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().set("Location", "/fw.bin");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/loop", exchange -> {
            exchange.getResponseHeaders().set("Location", "/loop");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        group = EventLoops.create(1, "https-download");
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static DownloadResult fetch(Downloader downloader, String path) throws Exception {
        String url = "https://127.0.0.1:" + server.getAddress().getPort() + path;
        return downloader
                .fetch(
                        group.next(),
                        new DownloadRequest(url, null, (long) BODY.length, sha256, null, null, 1L << 30, 0, 0),
                        null)
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aServerTheDeviceTrustsIsDownloadedAndVerified() throws Exception {
        try (Downloader downloader =
                new Downloader(group, Downloader.Settings.defaults().withExtraTrust(List.of(ca.caCertificate())))) {
            DownloadResult result = fetch(downloader, "/fw.bin");
            assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(result.sha256Hex()).isEqualTo(sha256);

            DownloadResult redirected = fetch(downloader, "/moved");
            assertThat(redirected.outcome()).as(redirected.reason()).isEqualTo(Outcome.SUCCEEDED);

            DownloadResult loop = fetch(downloader, "/loop");
            assertThat(loop.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(loop.reason()).isEqualTo("more than 3 redirects");
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedByDefault() throws Exception {
        try (Downloader downloader = new Downloader(
                group,
                Downloader.Settings.defaults()
                        .withRetry(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(20)))) {
            DownloadResult result = fetch(downloader, "/fw.bin");
            assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(result.reason()).startsWith("TLS handshake with the server failed");
            assertThat(result.attempts()).isEqualTo(1);
            assertThat(result.bytes()).isZero();
        }
    }
}

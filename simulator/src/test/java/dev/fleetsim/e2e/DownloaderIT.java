package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.device.download.DownloadRequest;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.download.DownloadResult.Outcome;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.s3.ArtifactFaults.Fault;
import dev.fleetsim.local.s3.SigV4;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.RandomArtifact;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device download client against the local artifact store and its fault policies: each fault gives the device
 * outcome a real device would reach (resumed and verified, or failed with the reason).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DownloaderIT {
    private static final int SIZE = 2 * 1024 * 1024;
    private static byte[] ARTIFACT;
    private static String sha256;
    private static byte[] signature;
    private static KeyPair signer;
    private static LocalStack stack;
    private static EventLoopGroup group;
    private static Downloader downloader;

    @TempDir
    Path sandbox;

    @BeforeAll
    static void start() throws Exception {
        RandomArtifact artifact = RandomArtifact.of(SIZE, 11);
        ARTIFACT = artifact.bytes();
        sha256 = artifact.sha256Hex();
        signature = artifact.signature();
        signer = artifact.signer();

        stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
        artifact.storeIn(stack, "firmware", "image.bin");
        group = EventLoops.create(1, "download-test");
        downloader = new Downloader(
                group,
                Downloader.Settings.defaults()
                        .withReadTimeout(Duration.ofSeconds(1))
                        .withRetry(4, Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    @AfterAll
    static void stop() {
        downloader.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        stack.close();
    }

    @AfterEach
    void clearFaults() {
        stack.s3().faults().clear();
    }

    private static String url(String key, Instant signedAt, long expires) {
        return SigV4.presignGet(
                AccessKeyPair.DEFAULT, "us-east-1", stack.s3Endpoint(), "/firmware/" + key, signedAt, expires);
    }

    private static String url(String key) {
        return url(key, Instant.now(), 600);
    }

    private DownloadResult fetch(String url, Path sink, long bytesPerSecond, byte[] sig) throws Exception {
        DownloadRequest request = new DownloadRequest(
                url, sink, (long) SIZE, sha256, sig, signer.getPublic(), 64L * 1024 * 1024, bytesPerSecond, 0);
        return downloader.fetch(group.next(), request, null).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aCleanDownloadIsVerifiedAndWrittenToTheSandbox() throws Exception {
        Path file = sandbox.resolve("firmware/image.bin");
        DownloadResult result = fetch(url("image.bin"), file, 0, signature);

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(result.sha256Hex()).isEqualTo(sha256);
        assertThat(result.bytes()).isEqualTo(SIZE);
        assertThat(Files.readAllBytes(file)).isEqualTo(ARTIFACT);
    }

    @Test
    void aDroppedConnectionResumesWithRangeAndSucceeds() throws Exception {
        stack.s3().faults().add("firmware", "image.bin", new Fault.DropAfter(700_000), 2);
        Path file = sandbox.resolve("image.bin");
        DownloadResult result = fetch(url("image.bin"), file, 0, signature);

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(result.resumes()).isEqualTo(2);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(Files.readAllBytes(file)).isEqualTo(ARTIFACT);
    }

    @Test
    void aStalledServerIsDetectedAndTheDownloadResumes() throws Exception {
        stack.s3().faults().add("firmware", "image.bin", new Fault.StallAfter(500_000), 1);
        DownloadResult result = fetch(url("image.bin"), null, 0, signature);

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(result.resumes()).isEqualTo(1);
        assertThat(result.sha256Hex()).isEqualTo(sha256);
    }

    @Test
    void wrongBytesFailTheHashCheckAndNothingStaysOnDisk() throws Exception {
        stack.s3().faults().add("firmware", "image.bin", new Fault.WrongBytes(1234), 1);
        Path file = sandbox.resolve("image.bin");
        DownloadResult result = fetch(url("image.bin"), file, 0, signature);

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.reason()).startsWith("SHA-256 mismatch: expected " + sha256);
        assertThat(file).doesNotExist();
    }

    @Test
    void aTamperedSignatureFailsVerification() throws Exception {
        byte[] tampered = signature.clone();
        tampered[tampered.length - 1] ^= 1;
        DownloadRequest request =
                new DownloadRequest(url("image.bin"), null, null, null, tampered, signer.getPublic(), 64L << 20, 0, 0);
        DownloadResult result = downloader.fetch(group.next(), request, null).get(30, TimeUnit.SECONDS);

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.reason()).isEqualTo("the code signature does not verify (SHA256withECDSA)");
    }

    @Test
    void anExpiredUrlAndAMissingKeyFailWithS3sReason() throws Exception {
        DownloadResult expired = fetch(url("image.bin", Instant.now().minusSeconds(300), 60), null, 0, null);
        assertThat(expired.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(expired.reason()).isEqualTo("HTTP 403 AccessDenied: Request has expired");
        assertThat(expired.attempts()).isEqualTo(1);

        DownloadResult missing = fetch(url("nothing.bin"), null, 0, null);
        assertThat(missing.reason()).isEqualTo("HTTP 404 NoSuchKey: The specified key does not exist.");
    }

    @Test
    void aThrottledServerIsSlowButTheDownloadCompletes() throws Exception {
        stack.s3().faults().add("firmware", "image.bin", new Fault.Throttle(4 * 1024 * 1024), 1);
        long start = System.nanoTime();
        DownloadResult result = fetch(url("image.bin"), null, 0, signature);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(seconds).isGreaterThan(0.25); // 2 MiB at 4 MiB/s is 0.5 s less the first burst; unthrottled ~20 ms
    }

    @Test
    void perDeviceShapingHoldsEachDeviceToItsRate() throws Exception {
        long rate = 2L * 1024 * 1024; // 2 MiB/s per device, 2 MiB each
        List<io.netty.util.concurrent.Future<DownloadResult>> downloads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            downloads.add(downloader.fetch(
                    group.next(),
                    new DownloadRequest(url("image.bin"), null, (long) SIZE, sha256, null, null, 64L << 20, rate, 0),
                    null));
        }
        for (var d : downloads) {
            assertThat(d.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.SUCCEEDED);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).isBetween(0.6, 5.0); // about 1 s each, in parallel; unshaped this takes ~50 ms
    }

    @Test
    void badUrlsAndOversizeArtifactsAreRejected() throws Exception {
        DownloadRequest ftp = new DownloadRequest("ftp://host/x", null, null, null, null, null, 1 << 20, 0, 0);
        DownloadResult scheme = downloader.fetch(group.next(), ftp, null).get(10, TimeUnit.SECONDS);
        assertThat(scheme.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(scheme.reason()).startsWith("only http and https URLs are allowed");

        DownloadRequest small = new DownloadRequest(url("image.bin"), null, null, null, null, null, 1024, 0, 0);
        DownloadResult tooBig = downloader.fetch(group.next(), small, null).get(10, TimeUnit.SECONDS);
        assertThat(tooBig.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(tooBig.reason()).contains("over the device's limit of 1024");
    }

    @Test
    void aFleetWideCapHoldsAllDevicesTogether() throws Exception {
        long cap = 4L * 1024 * 1024; // 4 MiB/s for the whole fleet; four devices × 2 MiB = 8 MiB
        try (Downloader capped =
                new Downloader(group, Downloader.Settings.defaults().withFleetBytesPerSecond(cap))) {
            List<io.netty.util.concurrent.Future<DownloadResult>> downloads = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                downloads.add(capped.fetch(
                        group.next(),
                        new DownloadRequest(url("image.bin"), null, (long) SIZE, sha256, null, null, 64L << 20, 0, 0),
                        null));
            }
            for (var d : downloads) {
                assertThat(d.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(seconds).isGreaterThan(1.4); // 8 MiB at 4 MiB/s is 2 s; unshaped it takes ~0.1 s
        }
    }
}

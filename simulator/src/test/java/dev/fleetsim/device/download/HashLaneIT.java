package dev.fleetsim.device.download;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.device.download.DownloadResult.Outcome;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.s3.ArtifactFaults.Fault;
import dev.fleetsim.local.s3.SigV4;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.RandomArtifact;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads whose body is hashed on another core while the loop reads on ({@link Downloader.Settings#handOverFrom}
 * lowered to 0 so a 24 MiB artifact takes that path): against the local store over real sockets, into a sandbox file,
 * with the code signature, through a dropped connection, and with corrupted bytes. More than {@link
 * StreamingVerifier#MAX_HASHING} in flight makes the transfer pause reading and resume.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HashLaneIT {
    private static final int SIZE = 24 * 1024 * 1024;
    private static RandomArtifact artifact;
    private static LocalStack stack;
    private static EventLoopGroup group;
    private static Downloader aside;

    @TempDir
    Path sandbox;

    @BeforeAll
    static void start() throws Exception {
        artifact = RandomArtifact.of(SIZE, 23);
        stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
        artifact.storeIn(stack, "firmware", "big.bin");
        group = EventLoops.create(1, "hash-lane-test");
        aside = new Downloader(
                group,
                Downloader.Settings.defaults()
                        .withReadTimeout(Duration.ofSeconds(2))
                        .withRetry(4, Duration.ofMillis(50), Duration.ofMillis(200))
                        .withHandOverFrom(0));
    }

    @AfterAll
    static void stop() {
        aside.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        stack.close();
    }

    @AfterEach
    void clearFaults() {
        stack.s3().faults().clear();
    }

    private static DownloadResult fetch(Downloader downloader, Path sink, long bytesPerSecond) throws Exception {
        String url = SigV4.presignGet(
                AccessKeyPair.DEFAULT, "us-east-1", stack.s3Endpoint(), "/firmware/big.bin", Instant.now(), 600);
        DownloadRequest request = new DownloadRequest(
                url,
                sink,
                (long) SIZE,
                artifact.sha256Hex(),
                artifact.signature(),
                artifact.signer().getPublic(),
                64L << 20,
                bytesPerSecond,
                0);
        return downloader.fetch(group.next(), request, null).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aBodyHashedAsideIsVerifiedAndWrittenWhole() throws Exception {
        long before = aside.handedOverBytes();
        Path file = sandbox.resolve("firmware/big.bin");

        DownloadResult result = fetch(aside, file, 0);

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(result.sha256Hex()).isEqualTo(artifact.sha256Hex());
        assertThat(Files.readAllBytes(file)).isEqualTo(artifact.bytes());
        assertThat(aside.handedOverBytes() - before)
                .as("most of the body went to the lane")
                .isGreaterThan(SIZE / 2);
    }

    @Test
    void aDroppedConnectionResumesIntoTheSameDigests() throws Exception {
        stack.s3().faults().add("firmware", "big.bin", new Fault.DropAfter(9_000_000), 2);
        Path file = sandbox.resolve("big.bin");

        DownloadResult result = fetch(aside, file, 0);

        assertThat(result.outcome()).as(result.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(result.resumes()).isEqualTo(2);
        assertThat(Files.readAllBytes(file)).isEqualTo(artifact.bytes());
    }

    @Test
    void corruptedBytesFailTheChecksAndNothingStaysOnDisk() throws Exception {
        stack.s3().faults().add("firmware", "big.bin", new Fault.WrongBytes(20_000_000), 1);
        Path file = sandbox.resolve("big.bin");

        DownloadResult result = fetch(aside, file, 0);

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.reason()).startsWith("SHA-256 mismatch: expected " + artifact.sha256Hex());
        assertThat(file).doesNotExist();
    }

    @Test
    void smallAndShapedBodiesStayOnTheLoop() throws Exception {
        try (Downloader defaults = new Downloader(group, Downloader.Settings.defaults())) {
            DownloadResult small = fetch(defaults, null, 0);
            assertThat(small.outcome()).as(small.reason()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(defaults.handedOverBytes())
                    .as("24 MiB is under the default 64 MiB")
                    .isZero();
        }
        long before = aside.handedOverBytes();
        DownloadResult shaped = fetch(aside, null, 64L << 20);
        assertThat(shaped.outcome()).as(shaped.reason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(aside.handedOverBytes() - before).as("a shaped body").isZero();
    }
}

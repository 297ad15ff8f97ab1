package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.artifact.Artifacts;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.RecordingDeviceListener;
import dev.fleetsim.testing.SignedArtifact;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;

/**
 * A signed firmware update end to end: {@code fleetsim artifact put --sign} uploads and signs, the job document carries
 * the presigned placeholder and the {@code codesign} block, the Jobs service presigns at delivery, the device
 * downloads into its sandbox, verifies hash and signature, installs, reports. Tampering and path tricks fail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignedUpdateIT {
    @TempDir
    static Path work;

    private static LocalStack stack;
    private static IotClient iot;
    private static EventLoopGroup group;
    private static Downloader downloader;
    private static ObjectNode fragment;
    private static byte[] firmware;
    private static final RecordingDeviceListener events = new RecordingDeviceListener();

    @BeforeAll
    static void start() throws Exception {
        Path state = work.resolve("state");
        stack = LocalStack.start(
                        LocalStackConfig.ephemeral().toBuilder().stateDir(state).build())
                .get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
        Path file = work.resolve("fw-2.0.bin");
        Artifacts.generate(file, 1_500_000, 42);
        firmware = Files.readAllBytes(file);

        SignedArtifact.Upload upload = SignedArtifact.put(file, "firmware", "releases/fw-2.0.bin", state);
        fragment = upload.fragment();
        String text = upload.output();
        assertThat(text)
                .contains("presigned URL (valid 3600 s): " + stack.s3Endpoint() + "/firmware/releases/fw-2.0.bin?");

        group = EventLoops.create(1, "signed-update");
        downloader = new Downloader(group, Downloader.Settings.defaults());
    }

    @AfterAll
    static void stop() {
        downloader.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        iot.close();
        stack.close();
    }

    private static VirtualDevice device(String thing) throws Exception {
        iot.createThing(r -> r.thingName(thing));
        DeviceDownloads downloads = new DeviceDownloads(
                downloader,
                work.resolve("sandboxes"),
                0,
                stack.ca().codeSigning().certificate().getPublicKey(),
                50,
                DeviceDownloads.DEFAULT_MAX_BYTES);
        DeviceConfig config = DeviceConfig.simple("127.0.0.1", stack.mqttPort(), Duration.ofMillis(50))
                .withDownloads(downloads);
        VirtualDevice device = new VirtualDevice(thing, group.next(), group, config, events);
        device.start();
        device.ready().get(20, TimeUnit.SECONDS);
        return device;
    }

    private static JobExecution runJob(String thing, String jobId, ObjectNode document) throws Exception {
        String arn = iot.describeThing(r -> r.thingName(thing)).thingArn();
        iot.createJob(r -> r.jobId(jobId)
                .targets(arn)
                .document(document.toString())
                .presignedUrlConfig(p -> p.roleArn("arn:aws:iam::000000000000:role/fleetsim-presign")
                        .expiresInSec(300L)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JobExecution execution;
        do {
            Thread.sleep(50);
            execution = iot.describeJobExecution(r -> r.jobId(jobId).thingName(thing))
                    .execution();
        } while (!isTerminal(execution.status()) && System.nanoTime() < deadline);
        return execution;
    }

    private static boolean isTerminal(JobExecutionStatus status) {
        return status != JobExecutionStatus.QUEUED && status != JobExecutionStatus.IN_PROGRESS;
    }

    @Test
    void theSignedUpdateIsDownloadedVerifiedAndInstalled() throws Exception {
        VirtualDevice device = device("signed-1");
        ObjectNode document = fragment.deepCopy().put("operation", "install").put("version", "2.0");

        JobExecution execution = runJob("signed-1", "fw-2_0", document);

        assertThat(execution.status()).as("%s", execution.statusDetails()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(execution.statusDetails().detailsMap()).containsEntry("firmware", "2.0");
        assertThat(Files.readAllBytes(work.resolve("sandboxes/signed-1/firmware.bin")))
                .isEqualTo(firmware);
        assertThat(device.disk().firmwareVersion()).isEqualTo("2.0");
        device.stop().join();
    }

    @Test
    void aSignatureFromAnotherKeyFailsTheJobWithTheReason() throws Exception {
        VirtualDevice device = device("signed-2");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        Signature other = Signature.getInstance("SHA256withECDSA");
        other.initSign(generator.generateKeyPair().getPrivate());
        other.update(firmware);
        ObjectNode document = fragment.deepCopy().put("operation", "install").put("version", "6.6.6");
        ((ObjectNode) document.get("codesign"))
                .put("signature", Base64.getEncoder().encodeToString(other.sign()));

        JobExecution execution = runJob("signed-2", "evil-fw", document);

        assertThat(execution.status()).as("%s", events.events()).isEqualTo(JobExecutionStatus.FAILED);
        assertThat(execution.statusDetails().detailsMap())
                .containsEntry("reason", "the code signature does not verify (SHA256withECDSA)")
                .containsEntry("step", "download");
        assertThat(work.resolve("sandboxes/signed-2/firmware.bin")).doesNotExist();
        assertThat(device.disk().firmwareVersion()).isNotEqualTo("6.6.6");
        device.stop().join();
    }

    @Test
    void aDownloadDirectoryOutsideTheSandboxIsRejectedAndNothingIsWritten() throws Exception {
        VirtualDevice device = device("signed-3");
        ObjectNode document = fragment.deepCopy()
                .put("operation", "download")
                .put("directory", "../../../escape")
                .put("fileName", "owned.bin");

        JobExecution execution = runJob("signed-3", "escape", document);

        assertThat(execution.status()).isEqualTo(JobExecutionStatus.REJECTED);
        assertThat(execution.statusDetails().detailsMap().get("reason")).contains("escapes the device sandbox");
        try (Stream<Path> files = Files.walk(work)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("owned.bin")))
                    .isEmpty();
        }
        device.stop().join();
    }
}

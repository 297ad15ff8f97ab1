package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.artifact.Artifacts;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.console.ConsoleServer;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.VirtualDevice;
import dev.fleetsim.device.download.DeviceDownloads;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.LocalTarget;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.scenario.RunReport;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.scenario.ScenarioRunner;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.RecordingDeviceListener;
import dev.fleetsim.testing.SignedArtifact;
import io.netty.channel.EventLoopGroup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Nothing blocks fleetsim's event loops: with BlockHound watching every loop fleetsim creates (devices, the artifact
 * store, the control plane, the ALPN front, download shaping), real workloads run and no blocking call (file I/O,
 * sleeping, waiting on a lock or future) may happen on them: devices downloading signed updates into their sandboxes,
 * mutual-TLS devices rotating their certificates, and the AWS SDK's S3 uploads (aws-chunked with trailing
 * checksums), ranged and full downloads, deletes and bucket changes. Runs in its own JVM (failsafe execution
 * {@code loops-never-block}), since BlockHound instruments the JDK for the whole process.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LoopsNeverBlockIT {
    /** Thread names of the loops fleetsim creates (EventLoops.create names them). */
    private static final Pattern FLEETSIM_LOOP = Pattern.compile("(fleetsim|loops-it)-[a-z0-9-]*-\\d+-\\d+");

    private static final Queue<String> VIOLATIONS = new ConcurrentLinkedQueue<>();

    @TempDir
    static Path work;

    @BeforeAll
    static void watchTheLoops() {
        // Only in the JVM the loops-never-block execution starts (with -Dit.test the default execution runs it too).
        assumeTrue(ManagementFactory.getRuntimeMXBean()
                .getInputArguments()
                .contains("-XX:+AllowRedefinitionToAddDeleteMethods"));
        BlockHound.Builder builder = BlockHound.builder();
        // What the libraries allow on their own threads (Netty's integration: its loops' own waits, TLS tasks)…
        ServiceLoader.load(BlockHoundIntegration.class).forEach(i -> i.applyTo(builder));
        // …but watch exactly fleetsim's loops (not the embedded broker's, which are HiveMQ's business).
        // BlockHound knows streams, sockets, sleeps and locks; file channels and file-system calls are added here.
        String file = "sun.nio.ch.FileChannelImpl";
        builder.markAsBlocking(file, "read", "(Ljava/nio/ByteBuffer;)I")
                .markAsBlocking(file, "read", "(Ljava/nio/ByteBuffer;J)I")
                .markAsBlocking(file, "write", "(Ljava/nio/ByteBuffer;)I")
                .markAsBlocking(file, "write", "(Ljava/nio/ByteBuffer;J)I")
                .markAsBlocking(file, "force", "(Z)V")
                .markAsBlocking(file, "truncate", "(J)Ljava/nio/channels/FileChannel;")
                .markAsBlocking(file, "transferTo", "(JJLjava/nio/channels/WritableByteChannel;)J");
        String fs = "sun.nio.fs.UnixNativeDispatcher";
        builder.markAsBlocking(fs, "open0", "(JII)I")
                .markAsBlocking(fs, "unlink0", "(J)V")
                .markAsBlocking(fs, "rename0", "(JJ)V")
                .markAsBlocking(fs, "mkdir0", "(JI)V")
                .markAsBlocking(fs, "rmdir0", "(J)V");
        // The one file operation allowed on a loop: zero-copy sendfile of an artifact to a plain-HTTP client (the
        // kernel moves page-cache bytes; README, concurrency model).
        builder.allowBlockingCallsInside("io.netty.channel.DefaultFileRegion", "transferTo");
        // Handing a task to the jobs engine's thread: the scheduled executor's queue insertion holds its lock for a
        // heap insertion only, and parks just when that lock is contended for those nanoseconds (Reactor's own
        // BlockHound integration allows the same call). Seen once in CI as a park on a control-plane loop.
        builder.allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "offer");
        builder.nonBlockingThreadPredicate(
                        current -> t -> FLEETSIM_LOOP.matcher(t.getName()).matches())
                .blockingMethodCallback(method ->
                        VIOLATIONS.add(method + " on " + Thread.currentThread().getName()
                                + "\n    at "
                                + Arrays.stream(new Exception().getStackTrace())
                                        .skip(2)
                                        .limit(25)
                                        .map(String::valueOf)
                                        .collect(Collectors.joining("\n    at "))))
                .install();
    }

    @AfterEach
    void nothingBlocked() {
        List<String> seen = new ArrayList<>(VIOLATIONS);
        VIOLATIONS.clear();
        assertThat(seen).as("blocking calls on event loops").isEmpty();
    }

    /** The watch itself: a file write and a sleep on a fleetsim loop are seen (else the other tests prove nothing). */
    @Test
    void theWatchSeesFileWritesAndSleepsOnALoop() throws Exception {
        EventLoopGroup group = EventLoops.create(1, "fleetsim-watch-check");
        try {
            Path file = work.resolve("on-loop.bin");
            group.submit(() -> {
                        try (FileChannel out =
                                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                            out.write(ByteBuffer.wrap(new byte[16]), 0);
                        }
                        Thread.sleep(1);
                        return null;
                    })
                    .get(10, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        List<String> seen = new ArrayList<>(VIOLATIONS);
        VIOLATIONS.clear();
        assertThat(seen).anyMatch(v -> v.contains("fleetsim-watch-check") && v.contains("FileChannel"));
        assertThat(seen).anyMatch(v -> v.contains("fleetsim-watch-check") && v.contains("sleep"));
    }

    /**
     * A scenario run with the live console and a client reading its stream, acting and drilling down: the console's
     * loop (frames, diffs, writes) and the run's device loops (the console's listener) never block.
     */
    @Test
    void aRunWithTheLiveConsoleWatchedAndActedOn() throws Exception {
        Path file = work.resolve("console.yaml");
        Files.writeString(file, """
                name: loops-console
                seed: 1
                timeout: 1m
                duration: 8m
                target: {local: {timeScale: 60}}
                fleet: {count: 60, thingNamePattern: "lc-%03d"}
                cohorts:
                  - {name: a, share: 50%, install: 20s}
                  - {name: b, share: 50%, install: 40s, mqttVersion: 3.1.1}
                jobs:
                  - {jobId: up, document: {operation: install, version: 2.0.0}}
                """);
        Scenario scenario = ScenarioLoader.load(file);
        try (LocalTarget target = LocalTarget.start(LocalStackConfig.ephemeral().toBuilder()
                        .stateDir(work.resolve("console-state"))
                        .clock(new VirtualClock(60))
                        .build());
                ConsoleServer console = ConsoleServer.start("127.0.0.1", 0)) {
            ScenarioRunner runner = new ScenarioRunner(
                    new ScenarioRunner.Options(work.resolve("console-report"), false, console), line -> {}, o -> {});
            CompletableFuture<RunReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return runner.run(scenario, target);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + console.port();
            String token = console.url().substring(console.url().indexOf("token=") + "token=".length());
            CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/events?token=" + token))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            Thread.sleep(2_000);
            for (String[] action : new String[][] {
                {"/api/clock", "{\"timeScale\": 120}"},
                {"/api/cohorts/b/offline", "{\"for\": \"30s\"}"},
                {"/api/storm", "{\"share\": \"20%\", \"for\": \"20s\"}"},
                {"/api/cohorts/b/online", "{}"}
            }) {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(URI.create(base + action[0]))
                                .header("X-Fleetsim-Token", token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(action[1]))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode())
                        .as(action[0] + " " + answer.body())
                        .isEqualTo(200);
            }
            for (int i = 0; i < 60; i += 7) {
                HttpResponse<String> device = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/devices/" + i + "?token=" + token))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(device.statusCode()).isEqualTo(200);
                assertThat(device.body()).contains("\"thingName\":\"lc-");
            }
            runner.requestStop();
            run.get(60, TimeUnit.SECONDS);
            stream.cancel(true);
        }
    }

    @Test
    void devicesDownloadingSignedUpdatesIntoSandboxes() throws Exception {
        Path state = work.resolve("state");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                                .stateDir(state)
                                .build())
                        .get(60, TimeUnit.SECONDS);
                IotClient iot = LocalAws.iot(stack)) {
            Path file = work.resolve("fw.bin");
            Artifacts.generate(file, 2_000_000, 7);
            ObjectNode document =
                    SignedArtifact.put(file, "firmware", "fw.bin", state).fragment();
            document.put("operation", "install").put("version", "2.0.0");

            EventLoopGroup group = EventLoops.create(2, "loops-it-device");
            Downloader downloader = new Downloader(group, Downloader.Settings.defaults());
            RecordingDeviceListener events = new RecordingDeviceListener();
            List<VirtualDevice> devices = new ArrayList<>();
            List<String> arns = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    String thing = "nb-" + i;
                    arns.add(iot.createThing(r -> r.thingName(thing)).thingArn());
                    DeviceConfig config = DeviceConfig.simple("127.0.0.1", stack.mqttPort(), Duration.ofMillis(20))
                            .withDownloads(new DeviceDownloads(
                                    downloader,
                                    work.resolve("sandboxes"),
                                    4_000_000, // shaped: the transfer spans many reads and writes
                                    stack.ca().codeSigning().certificate().getPublicKey(),
                                    25,
                                    DeviceDownloads.DEFAULT_MAX_BYTES));
                    VirtualDevice device = new VirtualDevice(thing, group.next(), group, config, events);
                    devices.add(device);
                    device.start();
                }
                for (VirtualDevice d : devices) {
                    d.ready().get(30, TimeUnit.SECONDS);
                }
                iot.createJob(r -> r.jobId("nb-job")
                        .targets(arns)
                        .document(document.toString())
                        .presignedUrlConfig(p -> p.roleArn("arn:aws:iam::000000000000:role/fleetsim-presign")
                                .expiresInSec(300L)));
                for (String thing : arns.stream()
                        .map(a -> a.substring(a.lastIndexOf('/') + 1))
                        .toList()) {
                    assertThat(awaitTerminal(iot, "nb-job", thing))
                            .as(thing + " "
                                    + iot.describeJobExecution(
                                                    r -> r.jobId("nb-job").thingName(thing))
                                            .execution()
                                            .statusDetails())
                            .isEqualTo(JobExecutionStatus.SUCCEEDED);
                }
                try (var files = Files.walk(work.resolve("sandboxes"))) {
                    assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(8);
                }
            } finally {
                for (VirtualDevice d : devices) {
                    d.stop().get(10, TimeUnit.SECONDS);
                }
                downloader.close();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    @Test
    void mutualTlsDevicesRotatingTheirCertificates() {
        StringWriter out = new StringWriter();
        int exit = FleetsimCommand.commandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out))
                .execute(
                        "run",
                        Path.of("..", "scenarios", "cert-rotation.yaml").toString(),
                        "--report-dir",
                        work.resolve("rotation").toString());
        assertThat(exit).as(out.toString()).isZero();
    }

    @Test
    void theAwsSdkUploadingReadingAndDeletingObjects() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
                S3Client s3 = LocalAws.s3(stack)) {
            s3.createBucket(b -> b.bucket("nb-bucket"));
            byte[] body = new byte[5_000_000];
            new Random(3).nextBytes(body);
            for (int i = 0; i < 4; i++) {
                String key = "obj-" + i;
                s3.putObject(b -> b.bucket("nb-bucket").key(key), RequestBody.fromBytes(body));
            }
            assertThat(s3.getObjectAsBytes(b -> b.bucket("nb-bucket").key("obj-1"))
                            .asByteArray())
                    .isEqualTo(body);
            assertThat(s3.getObjectAsBytes(
                                    b -> b.bucket("nb-bucket").key("obj-2").range("bytes=100-199"))
                            .asByteArray())
                    .isEqualTo(Arrays.copyOfRange(body, 100, 200));
            s3.headObject(b -> b.bucket("nb-bucket").key("obj-3"));
            for (int i = 0; i < 4; i++) {
                String key = "obj-" + i;
                s3.deleteObject(b -> b.bucket("nb-bucket").key(key));
            }
            s3.deleteBucket(b -> b.bucket("nb-bucket"));
        }
    }

    private static JobExecutionStatus awaitTerminal(IotClient iot, String jobId, String thing)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JobExecutionStatus status;
        do {
            Thread.sleep(100);
            status = iot.describeJobExecution(r -> r.jobId(jobId).thingName(thing))
                    .execution()
                    .status();
        } while ((status == JobExecutionStatus.QUEUED || status == JobExecutionStatus.IN_PROGRESS)
                && System.nanoTime() < deadline);
        return status;
    }
}

package dev.fleetsim.bench;

import dev.fleetsim.artifact.Artifact;
import dev.fleetsim.artifact.Artifacts;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.device.download.DownloadRequest;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.download.Downloader;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.Folders;
import dev.fleetsim.local.s3.ArtifactFaults;
import dev.fleetsim.local.s3.ObjectStore;
import dev.fleetsim.local.s3.S3Server;
import dev.fleetsim.local.s3.SigV4;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Download benchmarks with same-run baselines:
 *
 * <ul>
 *   <li>aggregate verified throughput of N concurrent devices fetching an artifact from the local store, against N
 *       concurrent {@code curl -s URL | sha256sum} pipelines on the same store, and against the machine's SHA-256
 *       ceiling ({@code openssl speed -evp sha256} × cores);
 *   <li>a large artifact fetched by a child JVM with a small heap, its peak heap reported;
 *   <li>many shaped devices at once.
 * </ul>
 */
public final class DownloadBench implements AutoCloseable {
    private final Consumer<String> out;
    private final Path dir;
    /** Body bytes the bench's downloaders hashed on another core so far (see {@code Downloader.Settings}). */
    private long handedOver;

    private final S3Server server;

    public DownloadBench(Consumer<String> out) throws IOException, InterruptedException {
        this.out = out;
        this.dir = Files.createTempDirectory("fleetsim-bench-download-");
        this.server = S3Server.start(
                new S3Server.Config(
                        "127.0.0.1",
                        0,
                        ObjectStore.open(dir.resolve("s3"), Clock.systemUTC(), Long.MAX_VALUE),
                        Map.of(AccessKeyPair.DEFAULT.accessKeyId(), AccessKeyPair.DEFAULT),
                        "us-east-1",
                        Clock.systemUTC(),
                        new ArtifactFaults()),
                1);
        server.store().createBucket("bench");
    }

    /** Stores a generated artifact of {@code size} bytes; returns its SHA-256. */
    private String artifact(String key, long size) throws IOException {
        Path file = dir.resolve(key);
        Artifacts.generate(file, size, size);
        ObjectStore.Upload upload = server.store().beginPut("bench", key);
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                upload.write(ByteBuffer.wrap(buffer, 0, n));
            }
        }
        ObjectStore.Meta meta = upload.commit("application/octet-stream", Map.of(), Map.of());
        Files.delete(file);
        return meta.sha256(); // the store hashes what it writes
    }

    private String url(String key) {
        return SigV4.presignGet(
                AccessKeyPair.DEFAULT, "us-east-1", server.endpoint(), "/bench/" + key, Instant.now(), 3600);
    }

    /**
     * Throughput at each concurrency: fleetsim devices against {@code curl | sha256sum} (coreutils, no SHA
     * instructions) and the stronger {@code curl | openssl dgst -sha256}, and against the physical limit: one stream
     * cannot beat one core's {@code openssl speed -evp sha256}, N streams cannot beat min(N, cores) × that.
     */
    public void throughput(long size, List<Integer> concurrencies, int rounds) throws Exception {
        String sha = artifact("throughput.bin", size);
        double core = sha256PerCore();
        int cores = Runtime.getRuntime().availableProcessors();
        out.accept(String.format(
                "SHA-256 limit: openssl speed -evp sha256 (16 KiB blocks) = %,.0f MiB/s per core, %d cores;"
                        + " this JVM's MessageDigest: %,.0f MiB/s",
                core, cores, jdkSha256()));
        // One unmeasured round first: the JIT compiles the download path (the first 256 MiB ran at 0.6 of the later).
        devices(url("throughput.bin"), sha, size, 1, Math.max(1, (int) ((256L << 20) / size)), 0);
        for (int c : concurrencies) {
            int total = Math.max(c, (int) Math.max(1, (256L << 20) / size)); // at least 256 MiB moved
            List<Double> oursRounds = new ArrayList<>();
            List<Double> coreutilsRounds = new ArrayList<>();
            List<Double> opensslRounds = new ArrayList<>();
            long asideBefore = handedOver;
            for (int r = 0; r < rounds; r++) { // interleaved, so a slow spell of the machine hits all three
                oursRounds.add(devices(url("throughput.bin"), sha, size, c, total, 0));
                coreutilsRounds.add(pipeline(url("throughput.bin"), sha, c, total, size, "sha256sum"));
                opensslRounds.add(pipeline(url("throughput.bin"), sha, c, total, size, "openssl dgst -sha256"));
            }
            double ours = Median.of(oursRounds);
            double coreutils = Median.of(coreutilsRounds);
            double openssl = Median.of(opensslRounds);
            double limit = core * Math.min(c, cores);
            double aside = (double) (handedOver - asideBefore) / ((double) total * size * rounds);
            out.accept(String.format(
                    "%5d concurrent: fleetsim %,7.0f MiB/s | curl|sha256sum %,7.0f (ratio %.2f) | curl|openssl %,7.0f"
                            + " (ratio %.2f) | limit %,7.0f (%3.0f%%) | hashed on another core: %.0f%%",
                    c,
                    ours,
                    coreutils,
                    ours / coreutils,
                    openssl,
                    ours / openssl,
                    limit,
                    100 * ours / limit,
                    100 * aside));
        }
    }

    /** {@code total} verified downloads, {@code concurrency} at a time; MiB/s. */
    private double devices(String url, String sha, long size, int concurrency, int total, long bytesPerSecond)
            throws Exception {
        EventLoopGroup group = EventLoops.create(EventLoops.defaultThreads(), "bench-download");
        try (Downloader downloader = new Downloader(group, Downloader.Settings.defaults())) {
            DownloadRequest request =
                    new DownloadRequest(url, null, size, sha, null, null, Long.MAX_VALUE, bytesPerSecond, 0);
            long start = System.nanoTime();
            int[] failures = {0};
            List<Worker> workers = new ArrayList<>();
            int perWorker = total / concurrency;
            int extra = total % concurrency;
            for (int i = 0; i < concurrency; i++) {
                workers.add(new Worker(downloader, group, request, perWorker + (i < extra ? 1 : 0), failures));
            }
            for (Worker w : workers) {
                w.done.get(600, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            handedOver += downloader.handedOverBytes();
            if (failures[0] > 0) {
                out.accept("  " + failures[0] + " downloads failed");
            }
            return (double) (total - failures[0]) * size / (1 << 20) / seconds;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** One device fetching {@code count} times in a row. */
    private static final class Worker {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final Downloader downloader;
        private final EventLoop loop;
        private final DownloadRequest request;
        private final int[] failures;
        private int left;

        Worker(Downloader downloader, EventLoopGroup group, DownloadRequest request, int count, int[] failures) {
            this.downloader = downloader;
            this.loop = group.next();
            this.request = request;
            this.left = count;
            this.failures = failures;
            next();
        }

        private void next() {
            if (left-- <= 0) {
                done.complete(null);
                return;
            }
            Future<DownloadResult> f = downloader.fetch(loop, request, null);
            f.addListener(x -> {
                if (!f.isSuccess() || !f.getNow().succeeded()) {
                    synchronized (failures) {
                        failures[0]++;
                    }
                }
                next();
            });
        }
    }

    /** {@code total} runs of {@code curl -s URL | HASHER}, {@code concurrency} pipelines at a time; MiB/s. */
    private double pipeline(String url, String sha, int concurrency, int total, long size, String hasher)
            throws Exception {
        long start = System.nanoTime();
        List<Process> running = new ArrayList<>();
        int perWorker = total / concurrency;
        int extra = total % concurrency;
        for (int i = 0; i < concurrency; i++) {
            int n = perWorker + (i < extra ? 1 : 0);
            String script = "for i in $(seq " + n + "); do curl -s '" + url + "' | " + hasher + "; done";
            running.add(new ProcessBuilder("sh", "-c", script)
                    .redirectErrorStream(true)
                    .start());
        }
        int bad = 0;
        for (Process p : running) {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(600, TimeUnit.SECONDS);
            for (String line : text.split("\n")) {
                if (!line.isBlank() && !line.contains(sha)) { // sha256sum: "HEX  -"; openssl: "…= HEX"
                    bad++;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bad > 0) {
            out.accept("  curl | " + hasher + ": " + bad + " downloads with a wrong hash");
        }
        return (double) (total - bad) * size / (1 << 20) / seconds;
    }

    /** One large artifact fetched by a child JVM with {@code -Xmx<heapMiB>m}; prints its peak heap. */
    public void large(long size, int heapMiB) throws Exception {
        long t = System.nanoTime();
        String sha = artifact("large.bin", size);
        out.accept(String.format("stored a %,d MiB artifact in %.1f s", size >> 20, (System.nanoTime() - t) / 1e9));
        Process child = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx" + heapMiB + "m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        DownloadBench.class.getName(),
                        url("large.bin"),
                        sha,
                        Long.toString(size))
                .redirectErrorStream(true)
                .start();
        String text = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        child.waitFor(600, TimeUnit.SECONDS);
        out.accept("child JVM -Xmx" + heapMiB + "m: " + text);
    }

    /**
     * {@code devices} shaped to {@code bytesPerSecond} each, all at once, against the store of a {@code fleetsim local}
     * in a child process (10,000 connections at both ends would not fit under one process's open-files limit).
     */
    public void shaped(int devices, long size, long bytesPerSecond) throws Exception {
        try (ChildStack child = ChildStack.start()) {
            String endpoint = child.endpoints().get("s3").textValue();
            Path file = dir.resolve("shaped.bin");
            Artifacts.generate(file, size, 7);
            Artifact artifact;
            try (var s3 =
                    AwsClients.s3(URI.create(endpoint), "us-east-1", AwsClients.credentials(AccessKeyPair.DEFAULT))) {
                artifact = Artifacts.upload(s3, "shaped", "shaped.bin", file, null, true);
            }
            String url = SigV4.presignGet(
                    AccessKeyPair.DEFAULT, "us-east-1", endpoint, "/shaped/shaped.bin", Instant.now(), 3600);
            shapedRun(url, artifact.sha256Hex(), devices, size, bytesPerSecond);
        }
    }

    private void shapedRun(String url, String sha, int devices, long size, long bytesPerSecond) throws Exception {
        long start = System.nanoTime();
        double mibs = devices(url, sha, size, devices, devices, bytesPerSecond);
        double seconds = (System.nanoTime() - start) / 1e9;
        out.accept(String.format(
                "shaped: %,d devices × %,d KiB at %,d bit/s each: all done in %.1f s (%,.0f MiB/s aggregate;"
                        + " unshaped each would need %.2f s)",
                devices, size >> 10, bytesPerSecond * 8, seconds, mibs, size / (double) bytesPerSecond));
    }

    /** MiB/s of the JDK's SHA-256 over a 16 KiB array for about a second, after a warm-up: the JVM's own ceiling. */
    private static double jdkSha256() throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[16 * 1024];
        double best = 0;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            long bytes = 0;
            while (System.nanoTime() - start < 400_000_000L) {
                for (int i = 0; i < 64; i++) {
                    md.update(block);
                }
                bytes += 64L * block.length;
            }
            best = Math.max(best, bytes / ((System.nanoTime() - start) / 1e9) / (1 << 20));
        }
        md.digest();
        return best;
    }

    /** One core's SHA-256 speed on 16 KiB blocks, MiB/s ({@code openssl speed -evp sha256}); -1 without openssl. */
    private static double sha256PerCore() {
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-seconds", "1", "-evp", "sha256")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            Matcher m =
                    Pattern.compile("(?m)^sha256\\s+(?:\\S+\\s+){4}([\\d.]+)k").matcher(text);
            if (!m.find()) {
                return -1;
            }
            return Double.parseDouble(m.group(1)) * 1000 / (1 << 20);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        server.close();
        Folders.deleteRecursively(dir);
    }

    /** The child of {@link #large}: fetch URL, verify SHA-256, print bytes, time and peak heap. */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String sha = args[1];
        long size = Long.parseLong(args[2]);
        EventLoopGroup group = EventLoops.create(1, "large-download");
        try (Downloader downloader = new Downloader(group, Downloader.Settings.defaults())) {
            long start = System.nanoTime();
            DownloadResult result = downloader
                    .fetch(
                            group.next(),
                            new DownloadRequest(url, null, size, sha, null, null, Long.MAX_VALUE, 0, 0),
                            null)
                    .get(600, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.println(String.format(
                    "%s, %,d bytes in %.1f s (%,.0f MiB/s), SHA-256 %s; peak heap %.1f MiB",
                    result.outcome(),
                    result.bytes(),
                    seconds,
                    result.bytes() / (double) (1 << 20) / seconds,
                    sha.equals(result.sha256Hex()) ? "verified" : "MISMATCH",
                    peak / (double) (1 << 20)));
            if (result.reason() != null) {
                System.out.println(JobsJson.mapper().createObjectNode().put("reason", result.reason()));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

package dev.fleetsim.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.fleetsim.device.ConnectFailures;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.fleet.DeviceIdentities;
import dev.fleetsim.fleet.Fleet;
import dev.fleetsim.fleet.FleetConfig;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.LocalTarget;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;

/**
 * Fleet benchmarks, each with its same-run baseline:
 *
 * <ul>
 *   <li>completion: N devices on the local stack take one job; executions completed per second, end to end;
 *   <li>connect rate over plain TCP, and over mTLS with ECDSA P-256 device keys, against the handshake ceiling that
 *       {@code openssl speed ecdsap256} gives on this machine;
 *   <li>idle: heap per connected idle device against Debian's mosquitto (so the broker's memory is not counted), and a
 *       large idle fleet spread over source addresses.
 * </ul>
 */
public final class FleetBench {
    /** Unmeasured jobs at most before the measured one, while the compiler threads still take 5 % or more. */
    private static final int MAX_WARMUPS = 20;

    private final Consumer<String> out;

    public FleetBench(Consumer<String> out) {
        this.out = out;
    }

    /** Counts connects and successes with their times. */
    static final class Counter implements DeviceListener {
        final AtomicInteger connected = new AtomicInteger();
        final AtomicInteger succeeded = new AtomicInteger();
        final AtomicLong firstConnectStart = new AtomicLong();
        final AtomicLong lastConnectEnd = new AtomicLong();
        final AtomicLong lastSucceeded = new AtomicLong();
        final LongAdder messages = new LongAdder();

        @Override
        public void messageSent(String thingName, String topic, byte[] payload, long nanoTime) {
            messages.increment();
        }

        @Override
        public void messageReceived(String thingName, String topic, byte[] payload, long nanoTime) {
            messages.increment();
        }

        @Override
        public void connectStart(String thingName, long nanoTime) {
            firstConnectStart.compareAndSet(0, nanoTime);
        }

        @Override
        public void connectEnd(String thingName, long nanoTime) {
            connected.incrementAndGet();
            lastConnectEnd.accumulateAndGet(nanoTime, Math::max);
        }

        final ConnectFailures connectFailures = new ConnectFailures();

        @Override
        public void connectFailed(String thingName, long nanoTime, Throwable cause) {
            connectFailures.connectFailed(thingName, nanoTime, cause);
        }

        /** A line on the failed connects, or null when none failed. */
        String connectFailuresLine() {
            int n = connectFailures.count();
            if (n == 0) {
                return null;
            }
            Throwable cause = connectFailures.firstRootCause();
            return String.format(
                    "  %,d connect attempts failed and were retried with backoff (first: %s), so the rate above"
                            + " includes their backoff",
                    n, cause.getMessage());
        }

        @Override
        public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
            if (status == JobExecutionStatus.SUCCEEDED) {
                succeeded.incrementAndGet();
                lastSucceeded.accumulateAndGet(nanoTime, Math::max);
            }
        }

        double connectRate() {
            return connected.get() / ((lastConnectEnd.get() - firstConnectStart.get()) / 1e9);
        }
    }

    static FleetConfig fleet(int count, String pattern, DeviceConfig device, List<InetAddress> sources) {
        return new FleetConfig(
                count,
                pattern,
                0,
                EventLoops.defaultThreads(),
                1_000_000,
                Duration.ZERO,
                Shard.ALL,
                sources,
                List.of(),
                device);
    }

    /** Prints how many connects failed and why, when any did. */
    private void failures(Counter counter) {
        String line = counter.connectFailuresLine();
        if (line != null) {
            out.accept(line);
        }
    }

    static void await(Counter counter, int connected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (counter.connected.get() < connected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Waits (at most 5 minutes) for every device's SUCCEEDED, then prints executions per second since creation. */
    private void reportCompletion(Counter counter, int devices, long createdNanos, String label, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (counter.succeeded.get() < devices && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        double seconds = (counter.lastSucceeded.get() - createdNanos) / 1e9;
        out.accept(String.format(
                "%s: %,d of %,d executions SUCCEEDED in %.2f s = %,.0f executions/s (%s)",
                label, counter.succeeded.get(), devices, seconds, counter.succeeded.get() / seconds, what));
    }

    /**
     * N devices complete one job through the local stack in this process, after unmeasured warm-up jobs until the JIT
     * has settled (a cold first job ran at half the rate of a warm one). Prints executions per second,
     * what each stage of the pipeline spent per execution (broker, Jobs engine, devices, JIT, GC: thread CPU time from
     * {@code /proc}), and the broker's own ceiling measured right after in the same process: closed loops of QoS 1
     * publishes echoed back to their sender, at the devices' QoS, turned into executions per second with the messages
     * an execution passes through the broker.
     */
    public void completion(int devices) throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS)) {
            Counter counter = new Counter();
            DeviceConfig device = DeviceConfig.simple("127.0.0.1", stack.mqttPort(), Duration.ZERO);
            double perSecond;
            double messagesPerExecution;
            double brokerNanosPerExecution = Double.NaN;
            try (Fleet fleet = new Fleet(fleet(devices, "done-%05d", device, List.of()), counter)) {
                stack.jobs().registerThings(fleet.thingNames()).get(120, TimeUnit.SECONDS);
                String group = stack.jobs()
                        .createGroup("bench-fleet", fleet.thingNames())
                        .get(120, TimeUnit.SECONDS);
                fleet.start().get(300, TimeUnit.SECONDS);
                out.accept(String.format(
                        "plain connect: %,d devices at %,.0f connects/s (CONNECT → CONNACK)",
                        counter.connected.get(), counter.connectRate()));
                failures(counter);
                // Warm-up jobs until the JIT has settled: at least 2, then until the compiler threads took under 5 %
                // of the last job's CPU (at most 20). On 2 busy cores C2 works through its queue for 10 to 13 jobs
                // of 9,000 devices and takes 15 to 20 % of each until then; a cap of 8 measured a job still compiling.
                int warmups = 0;
                double jitShare = 1;
                while (warmups < 2 || (jitShare >= 0.05 && warmups < MAX_WARMUPS)) {
                    Map<String, Long> at = ProcessCpu.byStage();
                    runJob(stack, group, "bench-warmup-" + ++warmups, counter, devices);
                    jitShare = ProcessCpu.share(ProcessCpu.since(at, ProcessCpu.byStage()), "JIT");
                }
                out.accept(String.format(
                        "warm-up: %d jobs, %,d executions SUCCEEDED (not measured); JIT %.0f%% of the last one's CPU",
                        warmups, counter.succeeded.get(), 100 * jitShare));
                int before = counter.succeeded.get();
                long messagesBefore = counter.messages.sum();
                Map<String, Long> cpuBefore = ProcessCpu.byStage();
                long created = System.nanoTime();
                runJob(stack, group, "bench", counter, devices);
                Map<String, Long> spent = ProcessCpu.since(cpuBefore, ProcessCpu.byStage());
                int done = counter.succeeded.get() - before;
                double seconds = (counter.lastSucceeded.get() - created) / 1e9;
                perSecond = done / seconds;
                messagesPerExecution = (double) (counter.messages.sum() - messagesBefore) / Math.max(1, done);
                out.accept(String.format(
                        "completion: %,d of %,d executions SUCCEEDED in %.2f s = %,.0f executions/s (each:"
                                + " notify-next → IN_PROGRESS → SUCCEEDED through the broker and the Jobs service)",
                        done, devices, seconds, perSecond));
                if (spent.containsKey("broker") && done > 0) {
                    brokerNanosPerExecution = spent.get("broker") / (double) done;
                }
                if (!spent.isEmpty() && done > 0) {
                    long total = ProcessCpu.total(spent);
                    StringBuilder stages = new StringBuilder();
                    for (var e : spent.entrySet()) {
                        stages.append(String.format(
                                "%s%s %.0f µs (%.0f%%)",
                                stages.length() == 0 ? "" : ", ",
                                e.getKey(),
                                e.getValue() / 1e3 / done,
                                100.0 * e.getValue() / Math.max(1, total)));
                    }
                    out.accept(String.format(
                            "  CPU per execution: %.0f µs in all: %s; %d cores at 100%% would complete %,.0f/s",
                            total / 1e3 / done,
                            stages,
                            Runtime.getRuntime().availableProcessors(),
                            Runtime.getRuntime().availableProcessors() * 1e9 / (total / (double) done)));
                }
            }
            // After the fleet has gone (its sockets would leave no open files for the echo clients).
            Echo echo = brokerEcho(stack.mqttPort(), Math.min(devices, 1_000), 3);
            double brokerMessages = 2 * echo.roundTripsPerSecond(); // each round trip: one publish in, one out
            int cores = Runtime.getRuntime().availableProcessors();
            out.accept(String.format(
                    "  broker (same broker, after the job): %,.0f QoS 1 echo round trips/s from %,d clients in this"
                            + " process = %,.0f messages/s, the clients sharing the cores; an execution passes %.1f"
                            + " messages (the devices' publishes and deliveries), so echo traffic at that rate would"
                            + " carry %,.0f executions/s; measured %,.0f = %.2f of it",
                    echo.roundTripsPerSecond(),
                    Math.min(devices, 1_000),
                    brokerMessages,
                    messagesPerExecution,
                    brokerMessages / messagesPerExecution,
                    perSecond,
                    perSecond / (brokerMessages / messagesPerExecution)));
            if (!Double.isNaN(echo.brokerNanosPerMessage()) && !Double.isNaN(brokerNanosPerExecution)) {
                double inJob = brokerNanosPerExecution / messagesPerExecution;
                out.accept(String.format(
                        "  broker's own CPU: %.1f µs per message in the echo, %.1f µs in the job; the broker alone on"
                                + " %d cores would carry %,.0f executions/s",
                        echo.brokerNanosPerMessage() / 1e3, inJob / 1e3, cores, cores * 1e9 / brokerNanosPerExecution));
            }
        }
    }

    /**
     * Creates a job for every device straight on the engine, with AWS's rollout limit lifted (see below), and waits (at
     * most 5 minutes) until every device reported it SUCCEEDED.
     */
    private static void runJob(LocalStack stack, String group, String jobId, Counter counter, int devices)
            throws Exception {
        int before = counter.succeeded.get();
        // Straight to the engine: a rollout of 600,000 a minute, beyond AWS's 1,000, so that every execution is
        // queued at once and the figure is the service's, not the rollout's.
        stack.jobs()
                .onEngine(engine -> {
                    engine.createJob(new JobsEngine.NewJob(
                            jobId,
                            List.of(group),
                            null,
                            "{\"operation\":\"install\",\"version\":\"2\"}",
                            null,
                            null,
                            null,
                            null,
                            null,
                            new JobConfig.Rollout(600_000, null),
                            null,
                            null,
                            null,
                            null));
                    engine.flush();
                    return null;
                })
                .get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (counter.succeeded.get() < before + devices && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** The echo's round trips per second, and what the broker's threads spent per message (NaN without /proc). */
    private record Echo(double roundTripsPerSecond, double brokerNanosPerMessage) {}

    /** QoS 1 publishes each client echoes to itself through the broker at {@code port}. */
    private static Echo brokerEcho(int port, int clients, double seconds) throws Exception {
        EventLoopGroup group = EventLoops.create(EventLoops.defaultThreads(), "bench-echo");
        try {
            List<RequestLoop> loops = new ArrayList<>();
            List<CompletableFuture<?>> connects = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String topic = "bench/echo-" + i;
                RequestLoop loop =
                        new RequestLoop("echo-" + i, group.next(), group, port, List.of(topic), MqttQos.AT_LEAST_ONCE);
                loops.add(loop);
                connects.add(loop.connect());
            }
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            LongAdder completed = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            for (int i = 0; i < clients; i++) {
                String topic = "bench/echo-" + i;
                loops.get(i)
                        .start(
                                n -> new RequestLoop.Request(topic, "{\"clientToken\":\"" + n + "\"}"),
                                completed,
                                running);
            }
            Thread.sleep((long) (seconds * 250)); // warm-up
            long before = completed.sum();
            Map<String, Long> cpuBefore = ProcessCpu.byStage();
            long start = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long roundTrips = completed.sum() - before;
            double rate = roundTrips / ((System.nanoTime() - start) / 1e9);
            Long broker = ProcessCpu.since(cpuBefore, ProcessCpu.byStage()).get("broker");
            running.set(false);
            Thread.sleep(300);
            for (RequestLoop loop : loops) {
                loop.disconnect();
            }
            return new Echo(rate, broker == null ? Double.NaN : broker / (2.0 * Math.max(1, roundTrips)));
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * N devices complete one job with the local stack in a second process ({@code fleetsim local}), driven through the
     * AWS SDK like a user would: with the broker's sockets in another process, 10,000 devices fit under an open-files
     * limit of 20,000.
     */
    public void completionTwoProcesses(int devices) throws Exception {
        // AWS's top rollout rate, 1,000 a (simulated) minute, is 10,000 a real second at 600x: above what the stack
        // completes, so the figure is the service's, not the rollout's (as in bench shards).
        try (ChildStack child = ChildStack.start(List.of("--time-scale", "600"))) {
            var endpoints = child.endpoints();
            URI mqtt = URI.create(endpoints.get("mqtt").textValue());
            try (IotClient iot = IotClient.builder()
                    .endpointOverride(URI.create(endpoints.get("controlPlane").textValue()))
                    .region(Region.of(endpoints.get("region").textValue()))
                    .credentialsProvider(AnonymousCredentialsProvider.create())
                    .httpClient(ApacheHttpClient.create())
                    .build()) {
                Counter counter = new Counter();
                DeviceConfig device = DeviceConfig.simple(mqtt.getHost(), mqtt.getPort(), Duration.ZERO);
                try (Fleet fleet = new Fleet(fleet(devices, "split-%05d", device, List.of()), counter)) {
                    long registerStart = System.nanoTime();
                    String groupArn = iot.createThingGroup(r -> r.thingGroupName("bench-split"))
                            .thingGroupArn();
                    for (String thing : fleet.thingNames()) {
                        iot.createThing(r -> r.thingName(thing));
                        iot.addThingToThingGroup(
                                r -> r.thingGroupName("bench-split").thingName(thing));
                    }
                    out.accept(String.format(
                            "two processes: registered %,d things through the AWS SDK in %.1f s",
                            devices, (System.nanoTime() - registerStart) / 1e9));
                    fleet.start().get(300, TimeUnit.SECONDS);
                    out.accept(String.format(
                            "two processes: %,d devices connected at %,.0f connects/s",
                            counter.connected.get(), counter.connectRate()));
                    failures(counter);
                    long created = System.nanoTime();
                    iot.createJob(r -> r.jobId("bench-split")
                            .targets(groupArn)
                            .document("{\"operation\":\"install\",\"version\":\"2\"}")
                            .jobExecutionsRolloutConfig(c -> c.maximumPerMinute(1_000)));
                    reportCompletion(counter, devices, created, "two processes", "CreateJob → last SUCCEEDED accepted");
                }
            }
        }
    }

    /** Connect rate over mTLS with per-thing ECDSA P-256 certificates. */
    public void tls(int devices) throws Exception {
        try (LocalTarget target = LocalTarget.start(LocalStackConfig.ephemeral())) {
            LocalStack stack = target.stack();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                names.add(String.format("tls-%05d", i));
            }
            stack.jobs().registerThings(names).get(60, TimeUnit.SECONDS);
            long mintStart = System.nanoTime();
            DeviceTls tls = DeviceIdentities.mint(target.iot(), names, target.trustAnchor());
            out.accept(
                    String.format("minted %,d identities in %.1f s", devices, (System.nanoTime() - mintStart) / 1e9));
            IntFunction<SslContext> contexts = i -> RawConnects.clientContext(tls.forThing(names.get(i)));
            double raw = RawConnects.rate("127.0.0.1", stack.mqttsPort(), devices, contexts);
            out.accept(String.format(
                    "baseline: %,d raw sockets, TLS handshake + MQTT 3.1.1 CONNECT, one prebuilt SslContext each:"
                            + " %,.0f connects/s",
                    devices, raw));
            // Raw clients used the same client ids' certificates; let the broker finish closing them.
            Thread.sleep(2000);
            Counter counter = new Counter();
            DeviceConfig device = DeviceConfig.simple("127.0.0.1", stack.mqttsPort(), Duration.ZERO)
                    .withTls(tls);
            try (Fleet fleet = new Fleet(fleet(devices, "tls-%05d", device, List.of()), counter)) {
                fleet.start();
                await(counter, devices, Duration.ofSeconds(300));
                double rate = counter.connectRate();
                double ceiling = opensslHandshakeCeiling();
                out.accept(String.format(
                        "mTLS connect: %,d devices at %,.0f connects/s (TLS 1.3 + MQTT CONNECT)",
                        counter.connected.get(), rate));
                failures(counter);
                if (ceiling > 0) {
                    out.accept(String.format(
                            "  openssl ceiling for this machine ≈ %,.0f mutual ECDSA P-256 handshakes/s"
                                    + " (both ends on these cores) → ratio %.2f",
                            ceiling, rate / ceiling));
                }
                out.accept(String.format("  ratio fleetsim devices / raw TLS sockets = %.2f", rate / raw));
            }
            // The same identities against mosquitto's OpenSSL listener: the device side without the in-process
            // broker's TLS on the same cores.
            try (Mosquitto mosquitto = Mosquitto.start(stack.ca())) {
                double rawExternal = RawConnects.rate("127.0.0.1", mosquitto.port(), devices, contexts);
                out.accept(String.format(
                        "baseline: raw TLS sockets to mosquitto (OpenSSL), prebuilt contexts: %,.0f connects/s",
                        rawExternal));
                Counter external = new Counter();
                DeviceConfig toMosquitto = DeviceConfig.simple("127.0.0.1", mosquitto.port(), Duration.ZERO)
                        .withTls(tls);
                try (Fleet fleet = new Fleet(fleet(devices, "tls-%05d", toMosquitto, List.of()), external)) {
                    fleet.start();
                    await(external, devices, Duration.ofSeconds(300));
                    out.accept(String.format(
                            "mTLS connect to mosquitto (OpenSSL): %,d devices at %,.0f connects/s",
                            external.connected.get(), external.connectRate()));
                    out.accept(String.format(
                            "  ratio fleetsim devices / raw TLS sockets = %.2f", external.connectRate() / rawExternal));
                    failures(external);
                }
            }
        }
    }

    /** Heap per idle device against mosquitto, and how many idle devices one process holds. */
    public void idle(int devices) throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start()) {
            List<InetAddress> sources = new ArrayList<>();
            int addresses = Math.max(1, (devices + 19_999) / 20_000);
            for (int i = 0; i < addresses; i++) {
                sources.add(InetAddress.getByName("127.0.0." + (2 + i)));
            }
            int rawCount = Math.min(devices, 9_000);
            double raw;
            long rawOverflowsBefore = ListenOverflows.now();
            try (Mosquitto own = Mosquitto.start()) { // its own broker, so the fleet's broker starts fresh
                raw = RawConnects.rate("127.0.0.1", own.port(), rawCount);
            }
            out.accept(String.format(
                    "baseline: %,d raw MQTT 3.1.1 CONNECT/CONNACK sockets to mosquitto at %,.0f connects/s"
                            + " (no client library, same event loops)",
                    rawCount, raw));
            String rawOverflows = ListenOverflows.since(rawOverflowsBefore);
            if (rawOverflows != null) {
                out.accept(rawOverflows);
            }
            long before = usedHeapAfterGc();
            HeapHistogram classesBefore = HeapHistogram.take();
            Counter counter = new Counter();
            DeviceConfig device = DeviceConfig.simple("127.0.0.1", mosquitto.port(), Duration.ZERO);
            long overflowsBefore = ListenOverflows.now();
            try (Fleet fleet = new Fleet(fleet(devices, "idle-%06d", device, sources), counter)) {
                fleet.start();
                await(counter, devices, Duration.ofSeconds(600));
                Thread.sleep(2000); // let subscriptions and the first ask settle
                long after = usedHeapAfterGc();
                out.accept(String.format(
                        "idle: %,d of %,d devices connected to mosquitto over %d source addresses at"
                                + " %,.0f connects/s; heap %.1f KiB per idle device (simulator side only)",
                        counter.connected.get(),
                        devices,
                        sources.size(),
                        counter.connectRate(),
                        (after - before) / 1024.0 / Math.max(1, counter.connected.get())));
                out.accept(String.format(
                        "  connect rate ratio fleetsim devices / raw sockets = %.2f", counter.connectRate() / raw));
                failures(counter);
                String overflows = ListenOverflows.since(overflowsBefore);
                if (overflows != null) {
                    out.accept(overflows);
                }
                HeapHistogram classesAfter = HeapHistogram.take();
                if (classesBefore != null && classesAfter != null) {
                    int n = Math.max(1, counter.connected.get());
                    out.accept("  where the bytes go (live heap by class, grown since before the fleet, per device):");
                    for (HeapHistogram.Row r : classesAfter.growthSince(classesBefore, 15)) {
                        out.accept(String.format(
                                "    %6.0f B  %5.2f ×  %s",
                                (double) r.bytes() / n, (double) r.instances() / n, r.className()));
                    }
                }
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * A mutual-TLS handshake with ECDSA P-256 keys and ECDHE costs each side about one signature, one verification of
     * the peer's certificate chain (two verifications: leaf and its signature by the CA is checked once) and one ECDH;
     * both sides run on this machine's cores. From {@code openssl speed}: ceiling ≈ cores / per-handshake CPU time.
     */
    private static double opensslHandshakeCeiling() {
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-seconds", "1", "ecdsap256", "ecdhp256")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            Matcher sign = Pattern.compile("256 bits ecdsa \\(nistp256\\)\\s+\\S+s\\s+\\S+s\\s+([\\d.]+)\\s+([\\d.]+)")
                    .matcher(text);
            Matcher ecdh = Pattern.compile("256 bits ecdh \\(nistp256\\)\\s+\\S+s\\s+([\\d.]+)")
                    .matcher(text);
            if (!sign.find() || !ecdh.find()) {
                return -1;
            }
            double signs = Double.parseDouble(sign.group(1));
            double verifies = Double.parseDouble(sign.group(2));
            double ecdhs = Double.parseDouble(ecdh.group(1));
            double perHandshake = 2 / signs + 2 / verifies + 2 / ecdhs;
            return Runtime.getRuntime().availableProcessors() / perHandshake;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}

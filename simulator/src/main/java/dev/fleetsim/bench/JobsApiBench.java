package dev.fleetsim.bench;

import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.jobs.CreateJobSpec;
import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Device-API throughput of the local Jobs service against the broker's own ceiling, same run, same concurrency.
 *
 * <ul>
 *   <li>Baseline: every device runs a closed loop of plain publishes to {@code bench/<thing>/echo}, a topic it
 *       subscribes to: publish → broker → subscriber, one round trip per request.
 *   <li>Service: every device runs a closed loop of Jobs requests ({@code $next/get}, {@code get}) and waits for each
 *       answer: publish → interceptor → engine → answer to the requester.
 * </ul>
 *
 * Both loops keep one request in flight per device, so the concurrency is the device count.
 */
public final class JobsApiBench {

    /** The figures of one run. */
    public record Result(int devices, double seconds, long baselineRoundTrips, long serviceRequests) {
        public double baselinePerSecond() {
            return baselineRoundTrips / seconds;
        }

        public double servicePerSecond() {
            return serviceRequests / seconds;
        }

        public double ratio() {
            return servicePerSecond() / baselinePerSecond();
        }
    }

    private final int devices;
    private final double seconds;
    private final Consumer<String> progress;

    public JobsApiBench(int devices, double seconds, Consumer<String> progress) {
        this.devices = devices;
        this.seconds = seconds;
        this.progress = progress;
    }

    public Result run() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS)) {
            EventLoopGroup group = EventLoops.create(EventLoops.defaultThreads(), "bench-device");
            List<String> things = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                things.add(String.format("bench-%05d", i));
            }
            stack.jobs().registerThings(things).get(60, TimeUnit.SECONDS);
            // Half the things hold a queued execution, so answers carry real executions and documents.
            String half = stack.jobs()
                    .createGroup("bench-half", things.subList(0, Math.max(1, devices / 2)))
                    .get(60, TimeUnit.SECONDS);
            stack.jobs()
                    .createJob(new CreateJobSpec("bench-job", List.of(half), "{\"operation\":\"bench\",\"v\":1}", null))
                    .get(60, TimeUnit.SECONDS);
            List<RequestLoop> loops = new ArrayList<>();
            List<CompletableFuture<?>> connects = new ArrayList<>();
            for (String thing : things) {
                String prefix = JobsTopic.prefix(thing);
                RequestLoop loop = new RequestLoop(
                        thing,
                        group.next(),
                        group,
                        stack.mqttPort(),
                        List.of(echo(thing), prefix + "/+/get/+", prefix + "/get/+"));
                loops.add(loop);
                connects.add(loop.connect());
                if (connects.size() % 200 == 0) {
                    CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                }
            }
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            progress.accept(devices + " devices connected and subscribed");

            long baseline = measure(loops, things, false);
            progress.accept(String.format("baseline (broker echo round trip): %.0f/s", baseline / seconds));
            long service = measure(loops, things, true);
            progress.accept(String.format("service (jobs device API): %.0f/s", service / seconds));

            for (RequestLoop loop : loops) {
                loop.disconnect();
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            return new Result(devices, seconds, baseline, service);
        }
    }

    private static String echo(String thing) {
        return "bench/" + thing + "/echo";
    }

    /**
     * Warm up for a quarter of the time, then count completions for {@link #seconds}: echo round trips, or Jobs
     * requests alternating {@code $next/get} and {@code get}.
     */
    private long measure(List<RequestLoop> loops, List<String> things, boolean jobsApi) throws InterruptedException {
        LongAdder completed = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        for (int i = 0; i < loops.size(); i++) {
            String thing = things.get(i);
            String describe = JobsTopic.describe(thing, JobsTopic.NEXT).toString();
            String pending = JobsTopic.getPending(thing).toString();
            String echo = echo(thing);
            loops.get(i)
                    .start(
                            n -> new RequestLoop.Request(
                                    jobsApi ? ((n & 1) == 0 ? describe : pending) : echo,
                                    "{\"clientToken\":\"" + n + "\"}"),
                            completed,
                            running);
        }
        Thread.sleep((long) (seconds * 250));
        long before = completed.sum();
        Thread.sleep((long) (seconds * 1000));
        long count = completed.sum() - before;
        running.set(false);
        Thread.sleep(500); // let the loops drain
        return count;
    }
}

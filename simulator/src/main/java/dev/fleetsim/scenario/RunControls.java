package dev.fleetsim.scenario;

import dev.fleetsim.metrics.Phase;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.HdrHistogram.Histogram;

/**
 * The run's side of {@link LiveRun}: the watcher's actions, queued for the run's own thread (which takes them at its
 * next step), and the snapshot that thread publishes for the watcher. Once the run has ended, actions are refused.
 */
final class RunControls {
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean ended;
    private volatile LiveRun.Snapshot snapshot = LiveRun.Snapshot.EMPTY;

    /** Runs {@code work} on the run's thread at its next step, or fails once the run has ended. */
    <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        if (ended) {
            done.completeExceptionally(new IllegalStateException("the run has ended"));
            return done;
        }
        queue.add(() -> {
            if (ended) {
                done.completeExceptionally(new IllegalStateException("the run has ended"));
                return;
            }
            try {
                done.complete(work.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    /** On the run's thread: every action waiting. */
    void runAll() {
        for (Runnable action; (action = queue.poll()) != null; ) {
            action.run();
        }
    }

    /** The run is over: waiting and later actions are refused, and the last snapshot says so. */
    void end(Instant simulatedNow, double realSeconds) {
        ended = true;
        runAll(); // each is refused: the run has ended
        LiveRun.Snapshot last = snapshot;
        snapshot = new LiveRun.Snapshot(simulatedNow, realSeconds, last.jobs(), last.rollout(), last.latency(), true);
    }

    LiveRun.Snapshot snapshot() {
        return snapshot;
    }

    void publish(LiveRun.Snapshot next) {
        snapshot = next;
    }

    /** Percentiles per phase from the observer's totals, in milliseconds. */
    static Map<Phase, LiveRun.Latency> latencies(RunObserver observer) {
        Map<Phase, LiveRun.Latency> out = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            Histogram h = observer.total(phase);
            out.put(
                    phase,
                    new LiveRun.Latency(
                            h.getTotalCount(),
                            h.getValueAtPercentile(50) / 1000.0,
                            h.getValueAtPercentile(90) / 1000.0,
                            h.getValueAtPercentile(99) / 1000.0,
                            h.getMaxValue() / 1000.0));
        }
        return out;
    }
}

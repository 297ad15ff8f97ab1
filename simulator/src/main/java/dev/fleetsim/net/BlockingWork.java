package dev.fleetsim.net;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small bounded pool for the blocking work event loops must not do: sandbox file I/O of downloads, the artifact
 * store's file work, key generation during certificate rotation. Work is submitted from a loop and its result comes back on the executor the caller
 * names (the device's own loop), so device state stays confined to that loop. When the queue is full the caller
 * runs the work itself: a slow disk then slows the loop rather than growing a queue without bound.
 */
public final class BlockingWork {
    private static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    private static final int QUEUE = 4_096;
    private static final BlockingWork SHARED = new BlockingWork();

    private final ThreadPoolExecutor pool;

    private BlockingWork() {
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(
                THREADS,
                THREADS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "fleetsim-blocking-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    /** The process-wide pool. */
    public static BlockingWork shared() {
        return SHARED;
    }

    /** Runs {@code work} off the loop; its outcome completes the future on {@code backTo}. */
    public <T> CompletableFuture<T> submit(Callable<T> work, Executor backTo) {
        CompletableFuture<T> done = new CompletableFuture<>();
        pool.execute(() -> {
            T result;
            try {
                result = work.call();
            } catch (Throwable t) {
                backTo.execute(() -> done.completeExceptionally(t));
                return;
            }
            backTo.execute(() -> done.complete(result));
        });
        return done;
    }

    /** Runs {@code work} off the loop when nothing waits for it (deletes, closes). */
    public void execute(Runnable work) {
        pool.execute(work);
    }

    /** A new lane: blocking tasks that must run one at a time and in order (one upload's writes). */
    public Lane lane() {
        return new Lane();
    }

    /**
     * Tasks that run one at a time, in the order submitted, on the shared pool (never more than one pool thread per
     * lane). What the tasks touch is confined to the lane as state of a loop is confined to the loop.
     */
    public final class Lane {
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        private Lane() {}

        /** Queues {@code work} after everything submitted before; its outcome completes the future on {@code backTo}. */
        public <T> CompletableFuture<T> submit(Callable<T> work, Executor backTo) {
            CompletableFuture<T> done = new CompletableFuture<>();
            tasks.add(() -> {
                T result;
                try {
                    result = work.call();
                } catch (Throwable t) {
                    backTo.execute(() -> done.completeExceptionally(t));
                    return;
                }
                backTo.execute(() -> done.complete(result));
            });
            schedule();
            return done;
        }

        /** Queues {@code work} when nothing waits for it (an abort after the writes before it). */
        public void execute(Runnable work) {
            tasks.add(work);
            schedule();
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                pool.execute(this::drain);
            }
        }

        private void drain() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // submit() wraps its work; a bare execute() task that throws must not stop the lane
                }
            }
            scheduled.set(false);
            if (!tasks.isEmpty()) {
                schedule();
            }
        }
    }
}

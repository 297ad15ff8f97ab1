package dev.fleetsim.net;

import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small bounded pool for the blocking work event loops must not do: sandbox file I/O of downloads, the artifact
 * store's file work, key generation and key stores during certificate rotation. Work is submitted from a loop and its
 * result comes back on the executor the caller names (the device's own loop), so device state stays confined to that
 * loop.
 *
 * <p>Submitting never blocks the submitting loop: the queue is lock-free and idle workers are woken with
 * {@link LockSupport#unpark} (a {@code ThreadPoolExecutor}'s queue takes a lock, and a loop contending for it parks).
 * When {@link #QUEUE} tasks are waiting the caller runs the work itself: a slow disk then slows the loop rather than
 * growing a queue without bound.
 */
public final class BlockingWork {
    private static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    static final int QUEUE = 4_096;
    private static final BlockingWork SHARED = new BlockingWork();

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Queue<Thread> idle = new ConcurrentLinkedQueue<>();

    private BlockingWork() {
        for (int i = 1; i <= THREADS; i++) {
            Thread t = new Thread(this::work, "fleetsim-blocking-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    private void enqueue(Runnable task) {
        if (queued.incrementAndGet() > QUEUE) {
            queued.decrementAndGet();
            task.run(); // the caller runs it: back-pressure instead of an unbounded queue
            return;
        }
        queue.add(task);
        Thread worker = idle.poll();
        if (worker != null) {
            LockSupport.unpark(worker);
        }
    }

    /** A worker: runs tasks until none is left, then parks until a submitter wakes it. */
    private void work() {
        Thread me = Thread.currentThread();
        while (true) {
            Runnable task = queue.poll();
            if (task != null) {
                queued.decrementAndGet();
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // submit() reports its own outcome; a bare execute() task that throws must not stop the worker
                }
                continue;
            }
            idle.add(me);
            if (queue.isEmpty()) { // checked after registering, so a task added meanwhile is not missed
                LockSupport.park(this);
            }
            idle.remove(me);
        }
    }

    /** The process-wide pool. */
    public static BlockingWork shared() {
        return SHARED;
    }

    /** Runs {@code work} off the loop; its outcome completes the future on {@code backTo}. */
    public <T> CompletableFuture<T> submit(Callable<T> work, Executor backTo) {
        CompletableFuture<T> done = new CompletableFuture<>();
        enqueue(completing(work, done, backTo));
        return done;
    }

    /** {@code work} as a task that completes {@code done} with its outcome, on {@code backTo}. */
    private static <T> Runnable completing(Callable<T> work, CompletableFuture<T> done, Executor backTo) {
        return () -> {
            T result;
            try {
                result = work.call();
            } catch (Throwable t) {
                backTo.execute(() -> done.completeExceptionally(t));
                return;
            }
            backTo.execute(() -> done.complete(result));
        };
    }

    /** Runs {@code work} off the loop when nothing waits for it (deletes, closes). */
    public void execute(Runnable work) {
        enqueue(work);
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
            tasks.add(completing(work, done, backTo));
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
                enqueue(this::drain);
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

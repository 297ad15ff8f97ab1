package dev.fleetsim.net;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Blocking calls (AWS SDK requests) for each of a list of items, a fixed number at a time, on daemon threads made for
 * the purpose and gone afterwards. The one way fleetsim fans out control-plane work: things and identities, groups,
 * IoT Core setup and cleanup. Never call it from an event loop.
 */
public final class ParallelCalls {
    /** One call for one item. */
    @FunctionalInterface
    public interface Call<T, R> {
        R apply(T item) throws Exception;
    }

    private ParallelCalls() {}

    /**
     * The calls' results, in the items' order. The first failure in that order is thrown as {@link Future#get} throws
     * it, and the calls not yet started are cancelled.
     */
    public static <T, R> List<R> map(String threadName, int threads, List<T> items, Call<T, R> call)
            throws InterruptedException, ExecutionException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> calls = new ArrayList<>(items.size());
            for (T item : items) {
                calls.add(pool.submit(() -> call.apply(item)));
            }
            List<R> results = new ArrayList<>(items.size());
            for (Future<R> f : calls) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}

package dev.fleetsim.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.reactivex.exceptions.UndeliverableException;
import io.reactivex.plugins.RxJavaPlugins;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The shared event loop group of a fleet. Uses epoll when the native transport loads: the HiveMQ client picks its
 * channel class globally (epoll when available), and an NIO group under an epoll channel makes {@code connect()}
 * hang silently ({@code shared/spec/tech.md} §3).
 */
public final class EventLoops {
    static {
        // The MQTT client hands late session-end signals to device loops that may already be terminated when a fleet
        // stops; RxJava then reports them as undeliverable. They carry no information, so keep them off stderr.
        RxJavaPlugins.setErrorHandler(error -> {
            if (!(error instanceof UndeliverableException)) {
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), error);
            }
        });
    }

    private EventLoops() {}

    public static EventLoopGroup create(int threads, String name) {
        IoHandlerFactory factory = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    /**
     * Runs {@code task} on {@code executor} unless it is a loop that is stopping or has stopped: a late callback (a
     * connect failing, a hash landing, a pool closing) after its fleet stopped has nobody left to tell.
     */
    public static void executeUnlessStopping(Executor executor, Runnable task) {
        if (executor instanceof EventExecutor loop && loop.isShuttingDown()) {
            return;
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    /** One loop per available core. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}

package dev.fleetsim.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds for the local HTTP servers, so that no client can hold a connection for nothing. A request's head must
 * arrive whole within {@code head} of the connection opening or of the previous answer finishing (slow headers, and
 * idle keep-alive connections, are closed), and a connection with neither reads nor writes for {@code idle} is closed
 * (a stalled upload). Goes right after the HTTP codec; event-loop confined.
 */
public final class HttpTimeouts extends ChannelDuplexHandler {
    /** AWS's endpoints close idle connections after about 20 s. */
    public static final Duration HEAD = Duration.ofSeconds(20);

    public static final Duration IDLE = Duration.ofSeconds(60);

    private final Duration head;
    private ScheduledFuture<?> headTimer;

    public HttpTimeouts(Duration head) {
        this.head = head;
    }

    /** The idle half: pair it with this handler ({@code new IdleStateHandler(0, 0, IDLE)} before the codec). */
    public static IdleStateHandler idle(Duration idle) {
        return new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        waitForHead(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            waitForHead(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            cancel();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent) {
            // A full response (or the end of a streamed one): the next request's head is due from when it is written.
            promise.addListener(f -> {
                if (f.isSuccess() && ctx.channel().isActive()) {
                    waitForHead(ctx);
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    private void waitForHead(ChannelHandlerContext ctx) {
        cancel();
        headTimer = ctx.executor().schedule(() -> ctx.close(), head.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }
}

package dev.fleetsim.device.download;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * The one handler every download connection shares: hands responses and body parts to the {@link Transfer} the
 * connection carries now, and turns TLS failures, read stalls and drops into that transfer's events.
 */
@ChannelHandler.Sharable
final class TransferHandler extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Transfer> TRANSFER = AttributeKey.valueOf("fleetsim.download.transfer");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            Transfer t = ctx.channel().attr(TRANSFER).get();
            if (t == null) {
                return; // an idle pooled connection got something: ignore it
            }
            if (msg instanceof HttpResponse response) {
                t.onResponse(response);
            }
            if (msg instanceof HttpContent content
                    && ctx.channel().attr(TRANSFER).get() == t) {
                t.onContent(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            Transfer t = ctx.channel().attr(TRANSFER).getAndSet(null);
            if (t != null) {
                // Not a passing failure: an untrusted or mismatched certificate does not get better on retry.
                Throwable cause = handshake.cause();
                while (cause.getCause() != null && cause.getMessage() == null) {
                    cause = cause.getCause();
                }
                t.tlsFailed("TLS handshake with the server failed: " + Transfer.describe(cause));
            }
            ctx.close();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            Transfer t = ctx.channel().attr(TRANSFER).get();
            if (t != null) {
                t.stalled();
            } else {
                ctx.close(); // an idle pooled connection: let it go
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Transfer t = ctx.channel().attr(TRANSFER).getAndSet(null);
        if (t != null) {
            t.dropped();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // channelInactive resumes the transfer
    }
}

package dev.fleetsim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Slow headers, idle keep-alive connections and stalled uploads are closed; a client in time is left alone. */
class HttpTimeoutsTest {
    private static EmbeddedChannel server() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline()
                .addLast(HttpTimeouts.idle(Duration.ofSeconds(5)))
                .addLast(new HttpServerCodec())
                .addLast(new HttpTimeouts(Duration.ofSeconds(2)));
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    private static void after(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    @Test
    void aHeadThatDoesNotArriveInTimeClosesTheConnection() {
        EmbeddedChannel ch = server();
        send(ch, "GET /things HTTP/1.1\r\nHost: local\r\n"); // headers never finished

        after(ch, 1_900);
        assertThat(ch.isOpen()).isTrue();
        after(ch, 200);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aConnectionIdleAfterItsAnswerIsClosedAndOneInTimeIsNot() {
        EmbeddedChannel ch = server();
        send(ch, "GET /things HTTP/1.1\r\nHost: local\r\n\r\n");
        after(ch, 3_000); // the request is being answered: no head is due
        assertThat(ch.isOpen()).isTrue();

        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        after(ch, 1_500);
        send(ch, "GET /things HTTP/1.1\r\nHost: local\r\n\r\n"); // the next request, in time
        after(ch, 1_500);
        assertThat(ch.isOpen()).isTrue();

        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        after(ch, 2_100); // keep-alive, but nothing comes
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void anUploadThatStallsIsClosedWhenNothingMovesEitherWay() {
        EmbeddedChannel ch = server();
        send(ch, "PUT /b/k HTTP/1.1\r\nHost: local\r\nContent-Length: 100\r\n\r\n0123456789");
        after(ch, 4_000);
        send(ch, "0123456789"); // still coming
        after(ch, 4_000);
        assertThat(ch.isOpen()).isTrue();
        after(ch, 1_100); // 5 s without a byte either way
        assertThat(ch.isOpen()).isFalse();
    }
}

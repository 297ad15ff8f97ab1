package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.net.EventLoops;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A device sends no topic aliases, as the AWS IoT Device SDKs do by default, even when the broker grants them: against
 * a hand-written MQTT 5 broker on a real loopback socket whose CONNACK offers 10 aliases, two publishes to one topic
 * both carry the whole topic and no Topic Alias property (the HiveMQ client's default would send the second with an
 * empty topic and alias 1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoTopicAliasIT {
    private static final int TOPIC_ALIAS = 0x23;

    /** A PUBLISH as it arrived: its topic name and whether it carried a Topic Alias property. */
    private record Publish(String topic, boolean alias) {}

    @Test
    void publishesCarryTheWholeTopicAndNoAliasWhenTheBrokerGrantsAliases() throws Exception {
        List<Publish> received = new CopyOnWriteArrayList<>();
        EventLoopGroup group = EventLoops.create(1, "alias-test");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread broker = new Thread(() -> serve(server, received), "alias-test-broker");
            broker.setDaemon(true);
            broker.start();
            EventLoop loop = group.next();
            DeviceConfig config = DeviceConfig.simple("127.0.0.1", server.getLocalPort(), Duration.ZERO);
            String topic = "$aws/things/alias-1/jobs/$next/get";
            CompletableFuture<Boolean> connected = new CompletableFuture<>();
            loop.execute(() -> {
                DeviceSession session =
                        new DeviceSession("alias-1", loop, group, config, (t, p) -> {}, () -> {}, DeviceListener.NONE);
                session.connect(false, true).whenComplete((present, error) -> {
                    if (error != null) {
                        connected.completeExceptionally(error);
                        return;
                    }
                    session.publish(topic, "{}".getBytes(StandardCharsets.UTF_8));
                    session.publish(topic, "{}".getBytes(StandardCharsets.UTF_8));
                    connected.complete(present);
                });
            });
            connected.get(20, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        assertThat(received)
                .containsExactly(
                        new Publish("$aws/things/alias-1/jobs/$next/get", false),
                        new Publish("$aws/things/alias-1/jobs/$next/get", false));
    }

    /** One connection: CONNACK granting 10 topic aliases, then every PUBLISH recorded (and acknowledged). */
    private static void serve(ServerSocket server, List<Publish> received) {
        try (Socket socket = server.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                int type = in.readUnsignedByte();
                byte[] body = new byte[varInt(in)];
                in.readFully(body);
                switch (type >> 4) {
                    case 1 -> // CONNECT → CONNACK: no session, success, properties: Topic Alias Maximum 10
                        out.write(new byte[] {0x20, 6, 0, 0, 3, 0x22, 0, 10});
                    case 3 -> {
                        received.add(publish(body, (type >> 1) & 3));
                        if (((type >> 1) & 3) == 1) { // PUBACK with the packet identifier
                            int at = 2 + (((body[0] & 0xff) << 8) | (body[1] & 0xff));
                            out.write(new byte[] {0x40, 2, body[at], body[at + 1]});
                        }
                    }
                    default -> {} // PINGREQ and anything else: no answer needed here
                }
                out.flush();
            }
        } catch (IOException e) {
            // the test is over
        }
    }

    private static Publish publish(byte[] body, int qos) {
        int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
        int at = 2 + topicLength + (qos > 0 ? 2 : 0);
        int[] cursor = {at};
        int propertiesLength = varInt(body, cursor);
        int end = cursor[0] + propertiesLength;
        boolean alias = false;
        int p = cursor[0];
        while (p < end) {
            int id = body[p++] & 0xff;
            switch (id) {
                case 0x01 -> p += 1; // payload format indicator
                case 0x02 -> p += 4; // message expiry interval
                case TOPIC_ALIAS -> {
                    alias = true;
                    p += 2;
                }
                case 0x03, 0x08, 0x09 -> p += 2 + (((body[p] & 0xff) << 8) | (body[p + 1] & 0xff));
                case 0x26 -> {
                    p += 2 + (((body[p] & 0xff) << 8) | (body[p + 1] & 0xff));
                    p += 2 + (((body[p] & 0xff) << 8) | (body[p + 1] & 0xff));
                }
                default -> throw new IllegalStateException("unexpected PUBLISH property " + id);
            }
        }
        return new Publish(topic, alias);
    }

    private static int varInt(InputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static int varInt(byte[] body, int[] cursor) {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = body[cursor[0]++] & 0xff;
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }
}

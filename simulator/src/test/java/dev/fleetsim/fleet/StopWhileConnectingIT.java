package dev.fleetsim.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fleetsim.device.DeviceConfig;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.net.EventLoops;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Stopping a run while its devices are still connecting (a user's Ctrl-C during the connect storm): against a broker
 * that accepts TCP connections and never answers CONNECT (real sockets on loopback), the fleet stops, and the MQTT
 * client's disconnect callbacks, which arrive after the devices' loops are gone, log no error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StopWhileConnectingIT {
    @Test
    void aFleetStoppedMidConnectLogsNoError() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
        AtomicInteger starts = new AtomicInteger();
        try (ServerSocketChannel silent = ServerSocketChannel.open()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            int port = ((InetSocketAddress) silent.getLocalAddress()).getPort();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            FleetConfig config = new FleetConfig(
                    300,
                    "stopping-%04d",
                    0,
                    EventLoops.defaultThreads(),
                    1_000_000,
                    Duration.ZERO,
                    Shard.ALL,
                    List.of(),
                    List.of(),
                    DeviceConfig.simple("127.0.0.1", port, Duration.ZERO));
            DeviceListener counting = new DeviceListener() {
                @Override
                public void connectStart(String thingName, long nanoTime) {
                    starts.incrementAndGet();
                }
            };
            try (Fleet fleet = new Fleet(config, counting)) {
                fleet.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (accepted.size() < 300 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(accepted)
                        .as("every device's TCP connect landed; none has its CONNACK")
                        .hasSize(300);
            } finally {
                for (SocketChannel c : accepted) {
                    c.close();
                }
            }
            Thread.sleep(500); // the client's disconnect callbacks of the closed connections
        } finally {
            root.detachAppender(logged);
        }

        assertThat(starts.get()).isEqualTo(300);
        assertThat(logged.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
    }
}

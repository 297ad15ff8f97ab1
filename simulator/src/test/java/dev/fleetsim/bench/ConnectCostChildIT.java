package dev.fleetsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench connect}'s measuring child stops, with its mosquitto, as soon as the process that reads it is gone. */
class ConnectCostChildIT {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theChildAndItsBrokerStopWhenTheirParentIsKilled() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // A shell stands in for the bench: it starts the child (enough rounds for minutes), says its pid, and waits.
        String child = String.join(
                " ",
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ConnectCostBench.class.getName(),
                "2000",
                "0",
                "0",
                "1000",
                "-");
        Process parent = new ProcessBuilder(List.of("sh", "-c", child + " > /dev/null 2>&1 & echo $!; wait"))
                .redirectErrorStream(true)
                .start();
        long pid;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            pid = Long.parseLong(in.readLine().trim());
        }
        ProcessHandle measuring = ProcessHandle.of(pid).orElseThrow();
        try {
            // Wait until the child runs its broker (a descendant), so that there is one to take down.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (measuring.descendants().findAny().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<ProcessHandle> broker = measuring.descendants().toList();
            assertThat(broker).as("the child started mosquitto").isNotEmpty();

            parent.destroyForcibly(); // SIGKILL: no chance to stop its child itself
            assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();

            measuring.onExit().get(20, TimeUnit.SECONDS);
            for (ProcessHandle b : broker) {
                b.onExit().get(10, TimeUnit.SECONDS);
                assertThat(b.isAlive()).isFalse();
            }
            assertThat(measuring.isAlive()).isFalse();
        } finally {
            // Whatever happened above, nothing of this test outlives it.
            measuring.descendants().forEach(ProcessHandle::destroyForcibly);
            measuring.destroyForcibly();
        }
    }
}

package dev.fleetsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {
    @Test
    void threadsAreGroupedIntoThePipelinesStagesByName() {
        assertThat(ProcessCpu.stage("hivemq-eventloo")).isEqualTo("broker");
        assertThat(ProcessCpu.stage("extension-task-")).isEqualTo("broker");
        assertThat(ProcessCpu.stage("fleetsim-jobs-e")).isEqualTo("jobs engine");
        assertThat(ProcessCpu.stage("fleetsim-device")).isEqualTo("devices");
        assertThat(ProcessCpu.stage("C2 CompilerThre")).isEqualTo("JIT");
        assertThat(ProcessCpu.stage("GC Thread#0")).isEqualTo("GC");
        assertThat(ProcessCpu.stage("G1 Conc#0")).isEqualTo("GC");
        assertThat(ProcessCpu.stage("main")).isEqualTo("other");
    }

    @Test
    void cpuSpentByALiveThreadShowsInItsStage() throws Exception {
        Map<String, Long> before = ProcessCpu.byStage();
        assertThat(before).as("/proc/self/task on Linux").isNotEmpty();
        CountDownLatch burnt = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = new Thread(
                () -> {
                    try {
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        byte[] block = new byte[16 * 1024];
                        long start = System.nanoTime();
                        while (System.nanoTime() - start < 300_000_000L) {
                            md.update(block);
                        }
                        burnt.countDown();
                        release.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                "fleetsim-device-test");
        worker.start();
        try {
            burnt.await();
            Map<String, Long> spent = ProcessCpu.since(before, ProcessCpu.byStage());

            // 300 ms of wall time on a busy 2-core machine: at least a third of it on a core, in 10 ms ticks.
            assertThat(spent.get("devices")).isGreaterThanOrEqualTo(100_000_000L);
            assertThat(spent.getOrDefault("broker", 0L)).isZero();
        } finally {
            release.countDown();
            worker.join();
        }
    }
}

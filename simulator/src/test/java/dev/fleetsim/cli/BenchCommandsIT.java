package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bench commands still work at tiny sizes, and print what they ran on and each figure beside its baseline and
 * ratio (the figures themselves are measured by running the commands, never asserted here).
 */
class BenchCommandsIT {
    private static void machineFacts(String out) {
        assertThat(out)
                .contains("machine: ")
                .contains("java: ")
                .contains("tls: ")
                .contains("sha-256: ");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void jobsApiPrintsTheServiceBesideTheBrokerCeiling() {
        Cli.Outcome o = Cli.run("bench", "jobs-api", "--devices", "20", "--seconds", "1");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .contains("broker ceiling (echo round trip)")
                .contains("jobs device API")
                .contains("ratio");
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void consolePrintsTheRunWithAndWithoutItAndItsLoopsShare() {
        Cli.Outcome o = Cli.run("bench", "console", "--devices", "30");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .containsPattern("run without the console [0-9.]+ CPU-s, with it [0-9.]+ CPU-s: overhead -?[0-9.]+%"
                        + " \\(ratio [0-9.]+\\)")
                .containsPattern("console loop [0-9.]+ CPU-s = [0-9.]+% of the run's CPU; [0-9,]+ frames sent");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shardsPrintsExecutionsPerSecondAgainstOneProcessAndTheCoordinatorsShare() {
        Cli.Outcome o = Cli.run("bench", "shards", "--devices", "60", "--shards", "2", "--baseline-devices", "30");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .contains("warmed up: one single and one sharded run of")
                .containsPattern("one process, 30 devices: 30 executions in [0-9.]+ s = [0-9,]+ executions/s")
                .containsPattern("2 shards, 60 devices: 60 executions in [0-9.]+ s = [0-9,]+ executions/s")
                .containsPattern("executions/s: sharded [0-9,]+, one process [0-9,]+: ratio [0-9.]+ \\(goal >= 0.9")
                .containsPattern("coordinator [0-9.]+ s, shards [0-9.]+ s, stack [0-9.]+ s: coordinator share"
                        + " [0-9.]+% \\(goal < 5%\\)");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fleetPrintsCompletionConnectRatesAgainstRawSocketsAndWhereIdleHeapGoes() {
        Cli.Outcome o = Cli.run(
                "bench", "fleet", "--devices", "20", "--split-devices", "20", "--tls-devices", "10", "--idle", "30");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .containsPattern("completion: 20 of 20 executions SUCCEEDED in [0-9.]+ s = [0-9,]+ executions/s")
                .containsPattern("two processes: 20 of 20 executions SUCCEEDED in [0-9.]+ s = [0-9,]+ executions/s")
                .containsPattern("mTLS connect: 10 devices at [0-9,]+ connects/s")
                .containsPattern("ratio fleetsim devices / raw TLS sockets = [0-9.]+")
                .containsPattern("idle: 30 of 30 devices connected to mosquitto .* heap [0-9.]+ KiB per idle device")
                .containsPattern("connect rate ratio fleetsim devices / raw sockets = [0-9.]+")
                .contains("where the bytes go (live heap by class, grown since before the fleet, per device):")
                .containsPattern("B +[0-9.]+ × +io\\.netty\\.channel\\.");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void connectPrintsCpuPerThousandConnectsPerProviderBesideRawSocketsAndOpensslSTime() {
        Cli.Outcome o = Cli.run(
                "bench", "connect", "--devices", "40", "--tls-devices", "10", "--warmups", "0", "--rounds", "1");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .containsPattern("pinned: the fleet's JVM on core 0, mosquitto on core\\(s\\) 1|not pinned")
                .contains("[openssl] device TLS provider: OpenSSL")
                .contains("[jdk] device TLS provider: JDK")
                .containsPattern("plain round 1: fleetsim 40 connects at [0-9,]+/s, [0-9.]+ CPU-s per 1,000 \\| raw 40"
                        + " at [0-9,]+/s, [0-9.]+ CPU-s per 1,000")
                .containsPattern("tls openssl s_time: [0-9.]+ user CPU-s per 1,000 handshakes")
                .containsPattern("plain TCP, MQTT 5 CONNECT +[0-9.]+ +[0-9.]+ +[0-9.]+ +≤ 0.1 (met|missed)")
                .containsPattern(
                        "mTLS P-256, openssl \\(OpenSSL\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +≤ 1.0")
                .containsPattern("mTLS P-256, jdk \\(JDK\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +≤ 1.0");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void setupPrintsEachModeAgainstItsQuotaBound() {
        Cli.Outcome o = Cli.run("bench", "setup", "--devices", "12");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .containsPattern(
                        "registerCertificates +[0-9.]+ devices/s  quota-bound +10.0/s \\(RegisterCertificate\\)")
                .containsPattern(
                        "createKeysAndCertificate +[0-9.]+ devices/s  quota-bound +10.0/s \\(CreateKeysAndCertificate\\)")
                .contains("ratio")
                .contains("cleanup: deleted 12 policyAttachment, 12 thingPrincipal, 12 certificate, 12 thing");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void downloadPrintsBothCurlBaselinesAndTheLimit() {
        Cli.Outcome o = Cli.run(
                "bench",
                "download",
                "--size",
                "256KiB",
                "--concurrency",
                "2",
                "--large",
                "0",
                "--shaped-devices",
                "20",
                "--shaped-size",
                "16KiB");

        assertThat(o.exitCode()).as(o.out() + o.err()).isZero();
        machineFacts(o.out());
        assertThat(o.out())
                .contains("curl|sha256sum")
                .contains("curl|openssl")
                .contains("limit")
                .contains("hashed on another core: 0%") // 256 KiB bodies, under the hand-over's 64 MiB
                .contains("shaped: 20 devices")
                .doesNotContain("wrong hash");
    }
}

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
                .contains("shaped: 20 devices")
                .doesNotContain("wrong hash");
    }
}

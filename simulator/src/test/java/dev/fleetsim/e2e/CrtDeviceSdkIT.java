package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.NodeAgent;
import dev.fleetsim.testing.RegisteredThing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;

/**
 * The AWS Common Runtime, which the AWS IoT Device Client is built on (aws-c-mqtt, s2n TLS), through the AWS IoT
 * Device SDK v2 for JavaScript ({@code src/test/js/crt-jobs-agent}, installed by {@code .ci/run} with
 * {@code npm ci}): the Device Client's job conversation over MQTT 3.1.1 with mTLS and ALPN {@code x-amzn-mqtt-ca} on
 * the stack's ALPN listener, with job output in {@code statusDetails}. Skipped where Node.js or the SDK is missing.
 */
class CrtDeviceSdkIT {
    private static final Path AGENT = Path.of("src/test/js/crt-jobs-agent");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theCommonRuntimeRunsTheDeviceClientsConversationOverAlpn() throws Exception {
        assumeTrue(
                Files.isDirectory(AGENT.resolve("node_modules/aws-iot-device-sdk-v2")),
                "run 'npm ci' in simulator/src/test/js/crt-jobs-agent (CI does)");
        assumeTrue(new ProcessBuilder("node", "--version").start().waitFor() == 0, "node is not installed");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                                .alpnPort(0)
                                .build())
                        .get(60, TimeUnit.SECONDS);
                IotClient iot = LocalAws.iot(stack)) {
            RegisteredThing registered = RegisteredThing.register(iot, "crt-1", dir);
            String arn = registered.arn();
            Path cert = registered.cert();
            Path key = registered.key();
            Path log = dir.resolve("agent.log");

            Process agent = NodeAgent.start(
                    AGENT,
                    log,
                    "crt-1",
                    "127.0.0.1",
                    Integer.toString(stack.alpnPort()),
                    stack.ca().caCertificateFile().toString(),
                    cert.toString(),
                    key.toString(),
                    "2");
            try {
                NodeAgent.awaitLog(agent, log, "waiting for jobs", 30);
                iot.createJob(r -> r.jobId("crt-hello")
                        .targets(arn)
                        .document("{\"version\":\"1.0\",\"includeStdOut\":\"true\",\"steps\":[{\"action\":{\"name\":"
                                + "\"hello\",\"type\":\"runCommand\",\"input\":{\"command\":\"echo,hello\"}}}]}"));
                iot.createJob(r -> r.jobId("crt-fail")
                        .targets(arn)
                        .document("{\"version\":\"1.0\",\"steps\":[{\"action\":{\"name\":\"fail\",\"type\":"
                                + "\"runCommand\",\"input\":{\"command\":\"sh,-c,echo no >&2; exit 4\"}}}]}"));

                assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String output = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(agent.exitValue()).as(output).isZero();
                assertThat(output).contains("reported SUCCEEDED accepted", "reported FAILED accepted");
            } finally {
                agent.destroyForcibly();
            }
            JobExecution hello = iot.describeJobExecution(
                            r -> r.jobId("crt-hello").thingName("crt-1"))
                    .execution();
            assertThat(hello.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
            assertThat(hello.statusDetails().detailsMap())
                    .containsEntry("reason", "Job exited with status: 0")
                    .containsEntry("stdout", "hello\n");
            JobExecution fail = iot.describeJobExecution(
                            r -> r.jobId("crt-fail").thingName("crt-1"))
                    .execution();
            assertThat(fail.status()).isEqualTo(JobExecutionStatus.FAILED);
            assertThat(fail.statusDetails().detailsMap())
                    .containsEntry("reason", "Job exited with status: 4")
                    .containsEntry("stderr", "no\n");
        }
    }
}

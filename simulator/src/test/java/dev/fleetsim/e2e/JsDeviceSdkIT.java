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
 * A real device SDK against the local stack: the AWS IoT Device SDK for JavaScript v1 jobs agent
 * ({@code src/test/js/jobs-agent}, installed by {@code .ci/run} with {@code npm ci}) connects over mTLS with an identity
 * minted through CreateKeysAndCertificate, takes a job from {@code notify-next} and reports SUCCEEDED. Skipped where
 * Node.js or the installed SDK is missing.
 */
class JsDeviceSdkIT {
    private static final Path AGENT = Path.of("src/test/js/jobs-agent");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theJavaScriptDeviceSdkRunsAJob() throws Exception {
        assumeTrue(
                Files.isDirectory(AGENT.resolve("node_modules/aws-iot-device-sdk")),
                "run 'npm ci' in simulator/src/test/js/jobs-agent (CI does)");
        assumeTrue(new ProcessBuilder("node", "--version").start().waitFor() == 0, "node is not installed");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS);
                IotClient iot = LocalAws.iot(stack)) {
            RegisteredThing registered = RegisteredThing.register(iot, "js-1", dir);
            String arn = registered.arn();
            Path cert = registered.cert();
            Path key = registered.key();
            Path log = dir.resolve("agent.log");

            Process agent = NodeAgent.start(
                    AGENT,
                    log,
                    "js-1",
                    "127.0.0.1",
                    Integer.toString(stack.mqttsPort()),
                    stack.ca().caCertificateFile().toString(),
                    cert.toString(),
                    key.toString());
            NodeAgent.awaitLog(agent, log, "notifications started", 20);
            iot.createJob(
                    r -> r.jobId("js-job").targets(arn).document("{\"operation\":\"install\",\"version\":\"9\"}"));

            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(agent.exitValue()).as(output).isZero();
            assertThat(output)
                    .contains("job js-job {\"operation\":\"install\",\"version\":\"9\"}", "reported SUCCEEDED");
            JobExecution execution = iot.describeJobExecution(
                            r -> r.jobId("js-job").thingName("js-1"))
                    .execution();
            assertThat(execution.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
            assertThat(execution.statusDetails().detailsMap()).containsEntry("agent", "aws-iot-device-sdk-js");
        }
    }
}

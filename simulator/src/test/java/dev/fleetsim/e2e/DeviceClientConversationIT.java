package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.testing.DeviceClientAgent;
import dev.fleetsim.testing.DeviceClientAgent.UpdateResult;
import dev.fleetsim.testing.LocalAws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;

/**
 * The AWS IoT Device Client's job conversation ({@link DeviceClientAgent}) against the local stack, over MQTT 3.1.1
 * with mTLS and ALPN {@code x-amzn-mqtt-ca} on the stack's ALPN listener, with an identity from
 * CreateKeysAndCertificate: a runCommand step that writes to stdout, a failing step that writes to stderr, a
 * runHandler step with a final step and an ignored failure, an invalid document, and throttled updates retried.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeviceClientConversationIT {
    @TempDir
    Path dir;

    private LocalStack start(LocalStackConfig config) throws Exception {
        return LocalStack.start(config.toBuilder().alpnPort(0).build()).get(60, TimeUnit.SECONDS);
    }

    private DeviceClientAgent agent(LocalStack stack, IotClient iot, String thing) throws Exception {
        iot.createThing(r -> r.thingName(thing));
        CreateKeysAndCertificateResponse keys = iot.createKeysAndCertificate(r -> r.setAsActive(true));
        iot.attachThingPrincipal(r -> r.thingName(thing).principal(keys.certificateArn()));
        Path handlers = Files.createDirectories(dir.resolve("jobs"));
        Files.setPosixFilePermissions(handlers, PosixFilePermissions.fromString("rwx------"));
        return DeviceClientAgent.connect(
                        thing,
                        "127.0.0.1",
                        stack.alpnPort(),
                        keys.certificatePem(),
                        keys.keyPair().privateKey(),
                        stack.ca().caCertificate(),
                        handlers)
                .backoffMillis(200);
    }

    private static String thingArn(IotClient iot, String thing) {
        return iot.describeThing(r -> r.thingName(thing)).thingArn();
    }

    private static JobExecution execution(IotClient iot, String thing, String jobId) {
        return iot.describeJobExecution(r -> r.thingName(thing).jobId(jobId)).execution();
    }

    @Test
    void theDeviceClientsConversationCompletesJobsOverAlpn() throws Exception {
        try (LocalStack stack = start(LocalStackConfig.ephemeral());
                IotClient iot = LocalAws.iot(stack);
                DeviceClientAgent dc = agent(stack, iot, "dc-1")) {
            assertThat(dc.negotiatedProtocol()).isEqualTo("x-amzn-mqtt-ca");
            String arn = thingArn(iot, "dc-1");

            // start-next once at startup: nothing pending yet, accepted without an execution (not a rejection).
            dc.publishStartNext();
            JsonNode first = dc.nextJobMessage(10_000).json();
            assertThat(first.has("execution")).isFalse();
            assertThat(first.get("timestamp").isIntegralNumber()).isTrue();

            // A runCommand step whose stdout ends in a line feed.
            iot.createJob(r -> r.jobId("say-hello").targets(arn).document("""
                            {"version":"1.0","includeStdOut":"true","steps":[{"action":{"name":"Say hello",
                             "type":"runCommand","input":{"command":"echo,hello"},"ignoreStepFailure":"false"}}]}"""));
            JsonNode hello = dc.awaitNewExecution(10_000);
            assertThat(hello.get("jobId").asText()).isEqualTo("say-hello");
            // A second job while the first runs: the Device Client only learns of it from notify-next.
            iot.createJob(r -> r.jobId("fail-loudly").targets(arn).document("""
                            {"version":"1.0","steps":[{"action":{"name":"Fail","type":"runCommand",
                             "input":{"command":"sh,-c,echo boom >&2; exit 3"}}}]}"""));
            assertThat(dc.runJob(hello)).isEqualTo(UpdateResult.ACCEPTED);

            JobExecution succeeded = execution(iot, "dc-1", "say-hello");
            assertThat(succeeded.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
            assertThat(succeeded.statusDetails().detailsMap())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("reason", "Job exited with status: 0", "stdout", "hello\n"));
            // The exact bytes the Device Client sent (field order, empty map on IN_PROGRESS).
            assertThat(dc.sent)
                    .extracting(DeviceClientAgent.Message::payload)
                    .anySatisfy(p -> assertThat(p)
                            .matches("\\{\"status\":\"IN_PROGRESS\",\"clientToken\":"
                                    + "\"[A-Za-z0-9]{10}\",\"statusDetails\":\\{}}"))
                    .anySatisfy(p -> assertThat(p)
                            .matches("\\{\"status\":\"SUCCEEDED\",\"clientToken\":"
                                    + "\"[A-Za-z0-9]{10}\",\"statusDetails\":\\{\"reason\":\"Job exited with status: 0\","
                                    + "\"stdout\":\"hello\\\\n\"}}"));

            // notify-next brought the second job after the terminal update; its step fails with stderr.
            JsonNode fail = dc.awaitNewExecution(10_000);
            assertThat(fail.get("jobId").asText()).isEqualTo("fail-loudly");
            assertThat(dc.runJob(fail)).isEqualTo(UpdateResult.ACCEPTED);
            JobExecution failed = execution(iot, "dc-1", "fail-loudly");
            assertThat(failed.status()).isEqualTo(JobExecutionStatus.FAILED);
            assertThat(failed.statusDetails().detailsMap())
                    .containsEntry("reason", "Job exited with status: 3")
                    .containsEntry("stderr", "boom\n")
                    .doesNotContainKey("stdout");

            // The queue drained: notify-next with no execution.
            JsonNode drained = dc.nextJobMessage(10_000).json();
            assertThat(drained.has("execution")).isFalse();

            // runHandler with arguments, a failure the document ignores, and a final step.
            Path greet = dir.resolve("jobs/greet.sh");
            Files.writeString(greet, "#!/bin/sh\nprintf 'hello\\t%s\\r\\n' \"$1\"\n");
            Files.setPosixFilePermissions(greet, PosixFilePermissions.fromString("rwx------"));
            iot.createJob(r -> r.jobId("greet").targets(arn).document("""
                            {"version":"1.0","includeStdOut":true,"steps":[
                              {"action":{"name":"Greet","type":"runHandler","input":{"handler":"greet.sh",
                               "args":["world"],"path":"default"},"runAsUser":""}},
                              {"action":{"name":"Tolerated","type":"runCommand","input":{"command":"false"},
                               "ignoreStepFailure":"true"}}],
                             "finalStep":{"action":{"name":"Done","type":"runCommand","input":{"command":"echo,done"}}}}"""));
            JsonNode greetExecution = dc.awaitNewExecution(10_000);
            assertThat(dc.runJob(greetExecution)).isEqualTo(UpdateResult.ACCEPTED);
            JobExecution greeted = execution(iot, "dc-1", "greet");
            assertThat(greeted.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
            assertThat(greeted.statusDetails().detailsMap()).containsEntry("stdout", "hello\tworld\r\ndone\n");

            // A document the Device Client cannot run is REJECTED with its reason.
            iot.createJob(r -> r.jobId("bad-doc").targets(arn).document("{\"version\":\"2.0\",\"steps\":[]}"));
            JsonNode bad = dc.awaitNewExecution(10_000);
            assertThat(dc.runJob(bad)).isEqualTo(UpdateResult.ACCEPTED);
            JobExecution rejected = execution(iot, "dc-1", "bad-doc");
            assertThat(rejected.status()).isEqualTo(JobExecutionStatus.REJECTED);
            assertThat(rejected.statusDetails().detailsMap())
                    .containsEntry("reason", "Unable to execute job, invalid job document provided!");
            assertThat(dc.rejections).isEmpty();
        }
    }

    @Test
    void throttledUpdatesAreRetriedWithFreshTokensUntilAccepted() throws Exception {
        // Two device-API requests per second: start-next, IN_PROGRESS and an immediate SUCCEEDED exceed it.
        try (LocalStack stack = start(LocalStackConfig.ephemeral().withDeviceApiRate(2));
                IotClient iot = LocalAws.iot(stack);
                DeviceClientAgent dc = agent(stack, iot, "dc-2")) {
            String arn = thingArn(iot, "dc-2");
            iot.createJob(r -> r.jobId("quick")
                    .targets(arn)
                    .document("{\"version\":\"1.0\",\"steps\":[{\"action\":{\"name\":\"t\",\"type\":\"runCommand\","
                            + "\"input\":{\"command\":\"true\"}}}]}"));
            dc.publishStartNext();
            JsonNode quick = dc.awaitNewExecution(10_000);

            assertThat(dc.runJob(quick)).isEqualTo(UpdateResult.ACCEPTED);

            assertThat(dc.rejections).isNotEmpty().containsOnly("RequestThrottled");
            assertThat(execution(iot, "dc-2", "quick").status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
            long tokens = dc.sent.stream()
                    .filter(m -> m.topic().endsWith("/quick/update"))
                    .map(m -> m.json().get("clientToken").asText())
                    .distinct()
                    .count();
            assertThat(tokens)
                    .isEqualTo(dc.sent.stream()
                            .filter(m -> m.topic().endsWith("/quick/update"))
                            .count());
        }
    }
}

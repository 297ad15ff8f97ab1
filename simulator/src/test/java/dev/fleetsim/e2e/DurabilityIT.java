package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.bench.ChildStack;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.testing.RegisteredThing;
import dev.fleetsim.testing.TestDevice;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;

/**
 * {@code fleetsim local} killed with SIGKILL and started again on the same folder and ports loses nothing it
 * answered: things and their attributes, groups, certificates (a device connects again with its certificate over
 * mTLS), jobs, and executions with their status, details and version; the device finishes its job after the
 * restart. A second stack on the same folder is refused, naming the first.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DurabilityIT {
    @TempDir
    Path work;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private List<String> options(int... ports) {
        return List.of(
                "--mqtt-port",
                Integer.toString(ports[0]),
                "--mqtts-port",
                Integer.toString(ports[1]),
                "--control-plane-port",
                Integer.toString(ports[2]),
                "--data-plane-port",
                Integer.toString(ports[3]),
                "--s3-port",
                Integer.toString(ports[4]),
                "--mqtt-alpn-port",
                "-1");
    }

    private static IotClient iot(ChildStack child) {
        return AwsClients.iot(
                URI.create(child.endpoints().get("controlPlane").asText()),
                "us-east-1",
                AwsClients.credentials(AccessKeyPair.DEFAULT));
    }

    private static MqttClientSslConfig tls(RegisteredThing thing, ChildStack child) throws Exception {
        return Pem.mtls(
                thing.keys().keyPair().privateKey(),
                thing.keys().certificatePem(),
                Pem.trust(Pem.certificate(Files.readString(
                        Path.of(child.endpoints().get("caCertificate").asText())))));
    }

    @Test
    void aKilledStackRestartsWithEverythingItAnswered() throws Exception {
        Path state = work.resolve("state");
        int[] ports = {freePort(), freePort(), freePort(), freePort(), freePort()};
        RegisteredThing device;
        JobExecution before;
        try (ChildStack first = ChildStack.start(state, false, options(ports));
                IotClient iot = iot(first)) {
            iot.createThing(r -> r.thingName("spare").attributePayload(a -> a.attributes(Map.of("rack", "r7"))));
            iot.createThingGroup(r -> r.thingGroupName("fleet"));
            device = RegisteredThing.register(iot, "d-1", work.resolve("certs"));
            iot.addThingToThingGroup(r -> r.thingGroupName("fleet").thingName("d-1"));
            iot.createJob(r -> r.jobId("fw-2")
                    .targets(iot.describeThingGroup(g -> g.thingGroupName("fleet"))
                            .thingGroupArn())
                    .document("{\"operation\":\"install\",\"version\":\"2\"}")
                    .timeoutConfig(t -> t.inProgressTimeoutInMinutes(60L)));
            try (TestDevice d = TestDevice.connect("d-1", ports[1], tls(device, first))) {
                d.publish("fw-2/update", "{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"step\":\"download\"}}");
                d.await("fw-2/update/accepted");
            }
            before = iot.describeJobExecution(r -> r.jobId("fw-2").thingName("d-1"))
                    .execution();
            first.kill();
        }

        try (ChildStack second = ChildStack.start(state, false, options(ports));
                IotClient iot = iot(second)) {
            assertThat(iot.describeThing(r -> r.thingName("spare")).attributes())
                    .containsEntry("rack", "r7");
            assertThat(iot.listThingsInThingGroup(r -> r.thingGroupName("fleet"))
                            .things())
                    .containsExactly("d-1");
            assertThat(iot.describeCertificate(
                                    r -> r.certificateId(device.keys().certificateId()))
                            .certificateDescription()
                            .status())
                    .isEqualTo(CertificateStatus.ACTIVE);
            JobExecution after = iot.describeJobExecution(r -> r.jobId("fw-2").thingName("d-1"))
                    .execution();
            assertThat(after.status()).isEqualTo(JobExecutionStatus.IN_PROGRESS);
            assertThat(after.statusDetails().detailsMap()).containsEntry("step", "download");
            assertThat(after.versionNumber()).isEqualTo(before.versionNumber());
            assertThat(after.startedAt()).isEqualTo(before.startedAt());

            // The device's certificate is still good for mTLS, and its job goes on from where it was.
            try (TestDevice d = TestDevice.connect("d-1", ports[1], tls(device, second))) {
                d.publish("$next/get", "{}");
                assertThat(d.await("$next/get/accepted")
                                .json()
                                .path("execution")
                                .path("statusDetails")
                                .path("step")
                                .asText())
                        .isEqualTo("download");
                d.publish(
                        "fw-2/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":" + after.versionNumber() + "}");
                d.await("fw-2/update/accepted");
            }
            assertThat(iot.describeJob(r -> r.jobId("fw-2")).job().statusAsString())
                    .isEqualTo("COMPLETED");

            // One stack per folder: a second one exits with a message that names the first.
            Process intruder = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "dev.fleetsim.cli.FleetsimCommand",
                            "local",
                            "--state-dir",
                            state.toString())
                    .redirectErrorStream(true)
                    .start();
            assertThat(intruder.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String said = new String(intruder.getInputStream().readAllBytes());
            assertThat(intruder.exitValue()).as(said).isEqualTo(2);
            assertThat(said).contains("is in use by pid " + second.process().pid());
            assertThat(new ArrayList<>(said.lines().toList())).hasSizeLessThan(3); // one line, no stack trace
        }
    }
}

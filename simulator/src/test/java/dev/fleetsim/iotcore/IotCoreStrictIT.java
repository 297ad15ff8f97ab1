package dev.fleetsim.iotcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.sun.net.httpserver.HttpServer;
import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.cli.Cli;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.pki.RunCa;
import dev.fleetsim.target.IotCoreSettings;
import dev.fleetsim.testing.LocalAws;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.InvalidRequestException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.Tag;

/**
 * The IoT Core code path end to end against {@code fleetsim local --strict}: setup under quotas with throttles retried,
 * mutual TLS with registered certificates, the rollout, the report, cleanup; a run killed mid-setup cleaned up from its
 * record; the strict broker refusing what IoT Core refuses; bad input refused in one line before anything is made.
 */
class IotCoreStrictIT {
    private static final Path SCENARIO = Path.of("..", "scenarios", "iot-core-rollout.yaml");

    @TempDir
    Path dir;

    private LocalStack stack;
    private IotClient iot;

    @BeforeEach
    void start() throws Exception {
        // CreateThing below the client's pace (100/s), so the run's first burst is throttled and must be retried.
        ApiQuotas quotas = ApiQuotas.defaults("us-east-1").with(Map.of("CreateThing", 20.0));
        stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                        .stateDir(dir.resolve("stack"))
                        .alpnPort(LocalStackConfig.DISABLED)
                        .strictQuotas(quotas)
                        .build())
                .get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
    }

    @AfterEach
    void stop() {
        iot.close();
        stack.close();
    }

    private Path endpoints() {
        return stack.stateDir().resolve(LocalStack.ENDPOINTS_FILE);
    }

    /** Connections the stack's broker accepted over one MQTT version, from its Prometheus exposition. */
    private static double connects(String metrics, String version) {
        Matcher m = Pattern.compile(
                        "fleetsim_local_mqtt_connects_total\\{mqtt_version=\"" + Pattern.quote(version) + "\"} (\\S+)")
                .matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** Nothing of any run is left in the stack: things, certificates, CAs, policies, groups, jobs. */
    private void assertStackEmpty() {
        assertThat(iot.listThings(r -> {}).things()).isEmpty();
        assertThat(iot.listCertificates(r -> {}).certificates()).isEmpty();
        assertThat(iot.listCACertificates(r -> {}).certificates()).isEmpty();
        assertThat(iot.listPolicies(r -> {}).policies()).isEmpty();
        assertThat(iot.listThingGroups(r -> {}).thingGroups()).isEmpty();
        assertThat(iot.listJobs(r -> {}).jobs())
                .allSatisfy(j -> assertThat(j.status().toString()).isEqualTo("DELETION_IN_PROGRESS"));
    }

    @Test
    void theScenarioRunsTheIotCorePathUnderQuotasAndCleansUp() throws Exception {
        Path report = dir.resolve("report");
        Cli.Outcome run = Cli.run(
                "run",
                SCENARIO.toString(),
                "--endpoints-file",
                endpoints().toString(),
                "--report-dir",
                report.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("result: PASS")
                .contains("registered 200 things")
                .contains("device TLS: OpenSSL (BoringSSL, netty-tcnative)"); // which provider ran, said once
        // The legacy cohort (a quarter) connected over MQTT 3.1.1, the rest over MQTT 5, as the broker saw them.
        String metrics = stack.jobs().scrape().get(10, TimeUnit.SECONDS);
        assertThat(connects(metrics, "3.1.1")).isGreaterThanOrEqualTo(50);
        assertThat(connects(metrics, "5")).isGreaterThanOrEqualTo(150);
        // Throttled calls were retried and counted, not fatal.
        assertThat(run.out()).containsPattern("IoT Core: [0-9,]+ control-plane calls, [1-9][0-9]* throttled");
        ResourceJournal.Contents made = ResourceJournal.read(report.resolve(ResourceJournal.FILE));
        assertThat(made.entries())
                .filteredOn(e -> e.kind() == ResourceJournal.Kind.certificate)
                .hasSize(200);
        assertThat(made.entries())
                .filteredOn(e -> e.kind() == ResourceJournal.Kind.caCertificate)
                .hasSize(1);
        assertThat(made.entries())
                .filteredOn(e -> e.kind() == ResourceJournal.Kind.thing)
                .allSatisfy(e -> assertThat(e.id()).startsWith(made.runId() + "-core-"));
        assertThat(run.out())
                .contains(
                        "cleanup: deleted 1 job, 200 policyAttachment, 200 thingPrincipal, 200 certificate, 200 thing");
        assertStackEmpty();
    }

    @Test
    void aRunKilledMidSetupIsCleanedUpFromItsRecord() throws Exception {
        Path report = dir.resolve("killed");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fleetsim.cli.FleetsimCommand",
                "run",
                SCENARIO.toString(),
                "--endpoints-file",
                endpoints().toString(),
                "--report-dir",
                report.toString()));
        Process run = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile())
                .start();
        Path record = report.resolve(ResourceJournal.FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline
                && (!Files.exists(record) || Files.readAllLines(record).size() < 120)) {
            Thread.sleep(50);
        }
        run.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        run.waitFor(10, TimeUnit.SECONDS);
        assertThat(iot.listThings(r -> {}).things())
                .as("the run made things before it died")
                .isNotEmpty();
        assertThat(Files.readString(record)).doesNotEndWith("]\n");

        Cli.Outcome cleanup = Cli.run(
                "cleanup", report.toString(), "--endpoints-file", endpoints().toString());

        assertThat(cleanup.exitCode()).as(cleanup.out() + cleanup.err()).isZero();
        assertStackEmpty();
        // Idempotent: a second cleanup finds everything gone (or deletes nothing that exists) and succeeds.
        Cli.Outcome again = Cli.run(
                "cleanup", report.toString(), "--endpoints-file", endpoints().toString());
        assertThat(again.exitCode()).as(again.out()).isZero();
        assertThat(again.out()).contains("already gone").doesNotContain("certificate,");
        assertStackEmpty();
    }

    @Test
    void theStrictBrokerRefusesWhatIotCoreRefuses() throws Exception {
        RunCa ca = RunCa.create("policy-test", Duration.ofDays(1));
        iot.createThing(r -> r.thingName("dev-1"));
        iot.createThing(r -> r.thingName("dev-2"));
        String[] device = register(ca, "dev-1");
        String[] noPolicy = register(ca, "dev-2");
        IotCoreSettings settings = new IotCoreSettings(
                null, null, null, null, null, null, null, null, null, null, null, null, true, false);
        IotCoreSetup setup = new IotCoreSetup(
                iot, settings, "t1", journalIn(dir), ca, List.of(stack.ca().caCertificate()), 0, null);
        setup.prepare();
        iot.attachPolicy(r -> r.policyName("fleetsim-t1").target(device[2]));

        // No policy: on IoT Core a certificate without a policy may do nothing, not even connect.
        Mqtt5BlockingClient refused =
                client("dev-2", noPolicy).useMqttVersion5().buildBlocking();
        assertThatThrownBy(refused::connect).isInstanceOf(Mqtt5ConnAckException.class);

        Mqtt5BlockingClient v5 = client("dev-1", device).useMqttVersion5().buildBlocking();
        v5.connect();
        assertThat(reason(v5, "$aws/things/dev-1/jobs/get"))
                .isIn(Mqtt5PubAckReasonCode.SUCCESS, Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(reason(v5, "$aws/things/dev-2/jobs/get")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(reason(v5, "$aws/things/dev-1/jobs/a/b/c/d/e")).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        v5.disconnect();

        // MQTT 3.1.1: a forbidden publish closes the connection. The same client id may connect once a second.
        Thread.sleep(1_100);
        Mqtt3BlockingClient v3 = client("dev-1", device).useMqttVersion3().buildBlocking();
        v3.connect();
        v3.publishWith()
                .topic("$aws/things/dev-2/jobs/get")
                .qos(MqttQos.AT_MOST_ONCE)
                .payload("{}".getBytes(StandardCharsets.UTF_8))
                .send();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (v3.getState().isConnected() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(v3.getState().isConnected()).isFalse();

        // No plain MQTT at all.
        assertThat(stack.mqttPort()).isNegative();
    }

    /** A client of the strict stack's mTLS listener as thing {@code id}, with {@code identity} from {@link #register}. */
    private MqttClientBuilder client(String id, String[] identity) {
        return MqttClient.builder()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(stack.mqttsPort())
                .sslConfig(
                        Pem.mtls(identity[1], identity[0], Pem.trust(stack.ca().caCertificate())));
    }

    private static Mqtt5PubAckReasonCode reason(Mqtt5BlockingClient client, String topic) {
        try {
            Mqtt5PublishResult result = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{}".getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static ResourceJournal journalIn(Path dir) throws Exception {
        return ResourceJournal.create(dir.resolve("policy-test"), "t1", "us-east-1", "");
    }

    /** {certificatePem, keyPem, certificateArn} of a certificate registered with RegisterCertificateWithoutCA. */
    private String[] register(RunCa ca, String thing) {
        KeyPair keys = Pem.newEcKeyPair();
        X509Certificate certificate = ca.issueClient(thing, keys.getPublic(), Duration.ofDays(1));
        String pem = Pem.encode(certificate);
        String arn = iot.registerCertificateWithoutCA(r -> r.certificatePem(pem).status(CertificateStatus.ACTIVE))
                .certificateArn();
        iot.attachThingPrincipal(r -> r.thingName(thing).principal(arn));
        return new String[] {pem, Pem.encode(keys.getPrivate()), arn};
    }

    @Test
    void tagsAreKeptWithTheirResourceAndGoWithIt() {
        String group = iot.createThingGroup(r -> r.thingGroupName("tagged")
                        .tags(Tag.builder().key("fleetsim:run").value("r1").build()))
                .thingGroupArn();
        iot.tagResource(r ->
                r.resourceArn(group).tags(Tag.builder().key("team").value("ota").build()));
        assertThat(iot.listTagsForResource(r -> r.resourceArn(group)).tags())
                .extracting(Tag::key, Tag::value)
                .containsExactly(tuple("fleetsim:run", "r1"), tuple("team", "ota"));

        iot.untagResource(r -> r.resourceArn(group).tagKeys("team"));
        assertThat(iot.listTagsForResource(r -> r.resourceArn(group)).tags())
                .extracting(Tag::key)
                .containsExactly("fleetsim:run");

        iot.deleteThingGroup(r -> r.thingGroupName("tagged"));
        assertThatThrownBy(() -> iot.listTagsForResource(r -> r.resourceArn(group)))
                .isInstanceOf(ResourceNotFoundException.class);
        iot.createThingGroup(r -> r.thingGroupName("tagged"));
        assertThat(iot.listTagsForResource(r -> r.resourceArn(group)).tags())
                .as("a group made again under the same name has none of the old one's tags")
                .isEmpty();
    }

    @Test
    void aPresignedPlaceholderNeedsTheRoleIotCoreAssumes() {
        String thing = iot.createThing(r -> r.thingName("signed-1")).thingArn();
        String document = "{\"url\":\"${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/b/fw.bin}\"}";

        assertThatThrownBy(() ->
                        iot.createJob(r -> r.jobId("no-role").targets(thing).document(document)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("presignedUrlConfig.roleArn is required");
        iot.createJob(r -> r.jobId("no-placeholder").targets(thing).document("{\"operation\":\"reboot\"}"));
        assertThat(iot.describeJob(r -> r.jobId("no-placeholder")).job().jobId())
                .isEqualTo("no-placeholder");
    }

    @Test
    void badInputIsOneLineBeforeAnythingIsMade() throws Exception {
        Cli.Outcome region =
                Cli.run("run", SCENARIO.toString(), "--target", "iot-core", "--region", "xx-nowhere-9", "--yes");
        assertThat(region.exitCode()).isEqualTo(2);
        assertThat(region.err().strip())
                .contains("unknown AWS region 'xx-nowhere-9'")
                .doesNotContain("\n\tat ");

        Cli.Outcome noYes = Cli.run("run", SCENARIO.toString(), "--target", "iot-core", "--region", "eu-west-1");
        assertThat(noYes.exitCode()).isEqualTo(2);
        assertThat(noYes.out()).contains("plan").contains("RegisterCertificate=200");
        assertThat(noYes.err()).contains("add --yes");

        Path wrong = dir.resolve("wrong-endpoints.json");
        Files.writeString(
                wrong,
                Files.readString(endpoints())
                        .replace(stack.credentials().secretAccessKey(), "not-the-secret-at-all-0000000000000000000"));
        Cli.Outcome badSecret = Cli.run("run", SCENARIO.toString(), "--endpoints-file", wrong.toString());
        assertThat(badSecret.exitCode()).isEqualTo(2);
        assertThat(badSecret.err().strip())
                .contains("secret access key does not match")
                .doesNotContain("\n");

        Path longNames = dir.resolve("long.yaml");
        Files.writeString(longNames, Files.readString(SCENARIO).replace("core-%04d", "x".repeat(118) + "%04d"));
        Cli.Outcome tooLong = Cli.run(
                "run", longNames.toString(), "--endpoints-file", endpoints().toString());
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("over IoT Core's 128 bytes");

        assertStackEmpty();
    }

    /**
     * Faults this machine cannot cause for real (an expired session token, a bucket in another region): a canned HTTP
     * server answers as AWS does, and the run must stop in one line having called nothing but the checks.
     */
    @Test
    void anExpiredTokenAndABucketElsewhereStopTheRunBeforeAnythingIsMade() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        boolean[] expired = {true};
        HttpServer aws = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        aws.createContext("/", exchange -> {
            calls.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] body;
            if (exchange.getRequestURI().getPath().equals("/endpoint")) {
                if (expired[0]) {
                    exchange.getResponseHeaders().add("x-amzn-ErrorType", "ExpiredTokenException");
                    body = "{\"message\":\"The security token included in the request is expired\"}"
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(403, body.length);
                } else {
                    body = "{\"endpointAddress\":\"abc-ats.iot.eu-west-1.amazonaws.com\"}"
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                }
            } else {
                exchange.getResponseHeaders().add("x-amz-bucket-region", "ap-south-1");
                body = new byte[0];
                exchange.sendResponseHeaders(301, -1);
            }
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        aws.start();
        String url = "http://127.0.0.1:" + aws.getAddress().getPort();
        Path scenario = dir.resolve("canned.yaml");
        Files.writeString(
                scenario,
                Files.readString(SCENARIO)
                        .replace(
                                "    cleanup: true",
                                "    cleanup: true\n    controlPlaneEndpoint: " + url + "\n    s3Endpoint: " + url));
        System.setProperty("aws.accessKeyId", "AKIAEXAMPLEEXAMPLE00");
        System.setProperty("aws.secretAccessKey", "example-secret-example-secret-example-00");
        System.setProperty("aws.sessionToken", "example-session-token");
        try {
            Cli.Outcome token = Cli.run(
                    "run",
                    scenario.toString(),
                    "--region",
                    "eu-west-1",
                    "--yes",
                    "--report-dir",
                    dir.resolve("r-token").toString());
            assertThat(token.exitCode()).as(token.out() + token.err()).isEqualTo(2);
            assertThat(token.err().strip())
                    .contains("session token has expired")
                    .doesNotContain("\n");

            expired[0] = false;
            calls.clear();
            Cli.Outcome bucket = Cli.run(
                    "run",
                    scenario.toString(),
                    "--region",
                    "eu-west-1",
                    "--yes",
                    "--report-dir",
                    dir.resolve("r-bucket").toString());
            assertThat(bucket.exitCode()).as(bucket.out() + bucket.err()).isEqualTo(2);
            assertThat(bucket.err().strip())
                    .contains("bucket fleetsim-firmware is in ap-south-1, not eu-west-1")
                    .doesNotContain("\n");
            assertThat(calls)
                    .as("nothing but the checks was called")
                    .containsExactly("GET /endpoint", "HEAD /fleetsim-firmware");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            System.clearProperty("aws.sessionToken");
            aws.stop(0);
        }
    }

    @Test
    void missingCredentialsAreOneLine() throws Exception {
        Path home = Files.createDirectories(dir.resolve("empty-home"));
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.fleetsim.cli.FleetsimCommand",
                "run",
                SCENARIO.toString(),
                "--region",
                "eu-west-1",
                "--yes",
                "--report-dir",
                dir.resolve("r-nocreds").toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        pb.environment().put("AWS_CONFIG_FILE", home.resolve("none").toString());
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("none").toString());
        Process run = pb.redirectErrorStream(false).start();
        String err = new String(run.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(err).isEqualTo(2);
        assertThat(err.strip()).startsWith("fleetsim: no AWS credentials").doesNotContain("\n");
    }
}

package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.device.handlers.JobDocuments;
import dev.fleetsim.device.handlers.JobPlan;
import dev.fleetsim.device.handlers.Step;
import dev.fleetsim.jobs.JobsJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Job documents real fleets use (spec §6.4, §7.1, §8) and the untrusted-input rules. */
class JobDocumentsTest {

    private static JobPlan plan(String json) {
        return JobDocuments.plan(JobsJson.readTree(json));
    }

    @Test
    void awsDownloadFileTemplateDocument() {
        JobPlan plan = plan("""
                {"version":"1.0","steps":[{"action":{"name":"Download-File","type":"runHandler",
                  "input":{"handler":"download-file.sh","args":["https://example.com/fw.bin","/opt/fw/fw.bin"],
                  "path":"default"},"runAsUser":"root"}}]}""");

        assertThat(plan.rejected()).isFalse();
        assertThat(plan.kind()).isEqualTo("device-client");
        assertThat(plan.steps())
                .containsExactly(new Step.Download("https://example.com/fw.bin", "opt/fw/fw.bin", null));
    }

    @Test
    void deviceClientStepsAndFinalStep() {
        JobPlan plan = plan("""
                {"version":"1.0","steps":[
                  {"action":{"name":"i","type":"runHandler","input":{"handler":"install-packages.sh","args":["nginx curl"]}}},
                  {"action":{"name":"c","type":"runCommand","input":{"command":"echo,hello"}}}],
                 "finalStep":{"action":{"name":"r","type":"runHandler","input":{"handler":"reboot.sh"}}}}""");

        assertThat(plan.steps())
                .containsExactly(
                        new Step.Packages(true, java.util.List.of("nginx", "curl")),
                        new Step.RunCommand(java.util.List.of("echo", "hello")),
                        new Step.Reboot());
    }

    @Test
    void theDeviceClientsWholeSchemaIsAcceptedWithItsOptionalFields() {
        // Every field of the Device Client's 1.0 schema (spec §8), typed as its parser takes them: includeStdOut as a
        // string, ignoreStepFailure as a string, allowStdErr as a number, conditions parsed but not enforced.
        JobPlan plan = plan("""
                {"version":"1.0","includeStdOut":"true",
                 "conditions":[{"key":"os","value":["linux"],"type":"stringEqual"}],
                 "steps":[{"action":{"name":"Say hello","type":"runCommand","input":{"command":"echo,hello\\\\, world"},
                             "runAsUser":"","ignoreStepFailure":"false","allowStdErr":2}},
                          {"action":{"name":"Restart","type":"runHandler","input":{"handler":"restart-services.sh",
                             "args":["nginx"],"path":"default"},"runAsUser":"root","ignoreStepFailure":"true"}}],
                 "finalStep":{"action":{"name":"Done","type":"runCommand","input":{"command":"true"}}}}""");

        assertThat(plan.rejected()).as(plan.rejection()).isFalse();
        assertThat(plan.kind()).isEqualTo("device-client");
        assertThat(plan.steps()).hasSize(3);
        assertThat(plan.steps().get(0)).isEqualTo(new Step.RunCommand(java.util.List.of("echo", "hello, world")));
    }

    @Test
    void downloadsCarryTheDeclaredHashAndAwsCodesignBlock() {
        String sha = "a".repeat(64);
        JobPlan plan = plan("""
                {"operation":"install","version":"2.0","url":"https://h/fw.bin","sha256":"%s",
                 "codesign":{"rawPayloadSize":1000,"signature":"MEUCIQ==","signatureAlgorithm":"SHA256withECDSA",
                 "payloadLocation":{"s3":{"bucketName":"b","key":"k","version":"1"}}}}""".formatted(sha));

        assertThat(plan.steps())
                .containsExactly(
                        new Step.Download("https://h/fw.bin", "firmware.bin", 1000L, sha, "MEUCIQ=="),
                        new Step.InstallFirmware("2.0"));

        JobPlan jsAgent = plan("""
                {"operation":"download","url":"http://h/f","fileName":"f","checksum":{"hashAlgorithm":"sha256",
                 "inline":{"value":"%s"}}}""".formatted(sha));
        assertThat(((Step.Download) jsAgent.steps().get(0)).sha256Hex()).isEqualTo(sha);
    }

    @Test
    void unverifiableIntegrityDeclarationsAreRejected() {
        assertThat(plan("""
                        {"operation":"download","url":"http://h/f","fileName":"f","sha256":"xyz"}""").rejection()).isEqualTo("the SHA-256 must be 64 hex digits");
        assertThat(plan("""
                        {"operation":"download","url":"http://h/f","fileName":"f",
                         "checksum":{"hashAlgorithm":"md5","inline":{"value":"00"}}}""").rejection()).contains("unsupported checksum.hashAlgorithm 'md5'");
        assertThat(plan("""
                        {"operation":"download","url":"http://h/f","fileName":"f",
                         "codesign":{"signature":"AAAA","signatureAlgorithm":"SHA1withRSA"}}""").rejection()).contains("unsupported codesign.signatureAlgorithm 'SHA1withRSA'");
        assertThat(plan("""
                        {"operation":"download","url":"http://h/f","fileName":"f",
                         "codesign":{"signature":"not base64!"}}""").rejection()).isEqualTo("codesign.signature is not base64");
    }

    @Test
    void freeRtosOtaOverHttp() {
        JobPlan plan = plan("""
                {"afr_ota":{"protocols":["HTTP"],"streamname":"AFR_OTA-1","files":[{"filepath":"/device/fw.bin",
                 "filesize":123456,"fileid":0,"certfile":"/c.pem","update_data_url":"https://s3.example.com/b/k?X=1",
                 "auth_scheme":"aws.s3.presigned","sig-sha256-ecdsa":"MEUC"}]}}""");

        assertThat(plan.kind()).isEqualTo("afr_ota");
        assertThat(plan.steps().get(0))
                .isEqualTo(new Step.Download("https://s3.example.com/b/k?X=1", "device/fw.bin", 123456L, null, "MEUC"));
        assertThat(plan.steps().get(1)).isInstanceOf(Step.InstallFirmware.class);
    }

    @Test
    void simpleOperations() {
        assertThat(
                        plan("{\"operation\":\"download\",\"url\":\"http://h/f\",\"directory\":\"dl\",\"fileName\":\"a.bin\"}")
                                .steps())
                .containsExactly(new Step.Download("http://h/f", "dl/a.bin", null));
        assertThat(plan("{\"operation\":\"install\",\"firmware\":{\"version\":\"1.2.0\"}}")
                        .steps())
                .containsExactly(new Step.InstallFirmware("1.2.0"));
        assertThat(plan("{\"operation\":\"factory-reset\"}").steps()).containsExactly(new Step.FactoryReset());
        assertThat(plan("{\"operation\":\"rotate-certificate\"}").steps())
                .containsExactly(new Step.RotateCertificate());
    }

    @Test
    void unknownOperationsAndShapesAreRejectedWithAReason() {
        assertThat(plan("{\"operation\":\"teleport\"}").rejection()).contains("unknown operation 'teleport'");
        assertThat(plan("{\"hello\":1}").rejection()).contains("no operation");
        assertThat(plan("{\"version\":\"2.0\",\"steps\":[]}").rejection()).contains("unsupported document version");
        assertThat(plan("{\"steps\":[{\"action\":{\"type\":\"runWhatever\"}}]}").rejection())
                .contains("unsupported action type");
        assertThat(JobDocuments.plan(null).rejected()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc/passwd", "a/../../b", "..", "/", "a/\u0000b"})
    void pathsCannotEscapeTheSandbox(String path) {
        JobPlan plan = plan("{\"operation\":\"download\",\"url\":\"https://h/f\",\"fileName\":"
                + JobsJson.mapper().getNodeFactory().textNode(path) + "}");

        assertThat(plan.rejected()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "ftp://h/f", "javascript:alert(1)", "not a url", "https:///nohost"})
    void onlyHttpAndHttpsUrls(String url) {
        JobPlan plan = plan("{\"operation\":\"download\",\"fileName\":\"f\",\"url\":"
                + JobsJson.mapper().getNodeFactory().textNode(url) + "}");

        assertThat(plan.rejected()).as(url).isTrue();
    }

    @Test
    void oversizedOtaFilesAreRejected() {
        assertThat(plan("{\"afr_ota\":{\"files\":[{\"filepath\":\"f\",\"filesize\":99999999999999,"
                                + "\"update_data_url\":\"https://h/f\"}]}}")
                        .rejection())
                .contains("filesize");
    }
}

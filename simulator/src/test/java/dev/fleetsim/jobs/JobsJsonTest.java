package dev.fleetsim.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON shapes of spec §2.2–§2.9, with the spec's example payloads as fixtures. */
class JobsJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode tree(byte[] json) {
        return JobsJson.readTree(new String(json, StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- answers and notifications (writing)

    @Test
    void versionMismatchRejectionMatchesTheSpecExample() {
        JobExecutionState state = new JobExecutionState(JobExecutionStatus.IN_PROGRESS, Map.of("step", "download"), 3);
        JobsRequestException e =
                new JobsRequestException(RejectedErrorCode.VersionMismatch, "expected version 1", "ct-7", state);

        JsonNode json = tree(JobsJson.write(e.toRejectedError(1700000000L)));

        assertThat(json).isEqualTo(JobsJson.readTree("""
                {"code":"VersionMismatch","message":"expected version 1","clientToken":"ct-7","timestamp":1700000000,
                 "executionState":{"status":"IN_PROGRESS","statusDetails":{"step":"download"},"versionNumber":3}}
                """));
    }

    @Test
    void resourceNotFoundRejectionCarriesNoExecutionStateAndEchoesTheToken() {
        JobExecutionState state = new JobExecutionState(JobExecutionStatus.SUCCEEDED, null, 4);
        JobsRequestException e =
                new JobsRequestException(RejectedErrorCode.ResourceNotFound, "no such execution", "ct-9", state);

        JsonNode json = tree(JobsJson.write(e.toRejectedError(1700000002L)));

        assertThat(json).isEqualTo(JobsJson.readTree("""
                {"code":"ResourceNotFound","message":"no such execution","clientToken":"ct-9","timestamp":1700000002}
                """));
    }

    @Test
    void rejectionWithoutTokenOmitsTheField() {
        JsonNode json = tree(JobsJson.write(
                new JobsRequestException(RejectedErrorCode.InvalidJson, "bad", null).toRejectedError(5)));

        assertThat(json.has("clientToken")).isFalse();
        assertThat(json.get("code").textValue()).isEqualTo("InvalidJson");
    }

    @Test
    void drainedQueueNotifyNextIsOnlyATimestamp() {
        byte[] json = JobsJson.write(new NextJobExecutionChangedEvent(null, 1700000000L));

        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"timestamp\":1700000000}");
        // The live capture of issue #1808: a `$next/get/accepted` with nothing pending is exactly 24 bytes.
        assertThat(JobsJson.write(new DescribeJobExecutionResponse(null, 1700000000L, null)))
                .hasSize(24);
    }

    @Test
    void drainedQueueNotifyIsAnEmptyJobsObject() {
        byte[] json = JobsJson.write(new JobExecutionsChangedEvent(Map.of(), 1700000000L));

        assertThat(tree(json)).isEqualTo(JobsJson.readTree("{\"jobs\":{},\"timestamp\":1700000000}"));
    }

    @Test
    void notifyListsInProgressBeforeQueuedKeyedByStatusName() {
        Map<JobExecutionStatus, List<JobExecutionSummary>> jobs = new LinkedHashMap<>();
        jobs.put(JobExecutionStatus.IN_PROGRESS, List.of(new JobExecutionSummary("job1", 10L, 11L, 11L, 2, 1L)));
        jobs.put(JobExecutionStatus.QUEUED, List.of(new JobExecutionSummary("job2", 12L, null, 12L, 1, 1L)));

        String json = new String(JobsJson.write(new JobExecutionsChangedEvent(jobs, 13L)), StandardCharsets.UTF_8);

        assertThat(json)
                .isEqualTo("{\"jobs\":{\"IN_PROGRESS\":[{\"jobId\":\"job1\",\"queuedAt\":10,\"startedAt\":11,"
                        + "\"lastUpdatedAt\":11,\"versionNumber\":2,\"executionNumber\":1}],\"QUEUED\":[{\"jobId\":\"job2\","
                        + "\"queuedAt\":12,\"lastUpdatedAt\":12,\"versionNumber\":1,\"executionNumber\":1}]},"
                        + "\"timestamp\":13}");
    }

    @Test
    void getPendingAlwaysHasBothArrays() {
        JsonNode json = tree(JobsJson.write(new GetPendingJobExecutionsResponse(List.of(), List.of(), 7L, "t")));

        assertThat(json).isEqualTo(JobsJson.readTree("""
                {"inProgressJobs":[],"queuedJobs":[],"timestamp":7,"clientToken":"t"}"""));
    }

    @Test
    void updateAcceptedWithoutIncludeFlagsIsTokenAndTimestamp() {
        JsonNode json = tree(JobsJson.write(new UpdateJobExecutionResponse(null, null, 1517016948L, "ct")));

        assertThat(json).isEqualTo(JobsJson.readTree("{\"clientToken\":\"ct\",\"timestamp\":1517016948}"));
    }

    // ---------------------------------------------------------------- answers (reading, device side)

    @Test
    void readsTheLiveStartNextAcceptedCapture() {
        StartNextJobExecutionResponse response = JobsJson.read(utf8("""
                {"clientToken":"a167","execution":{"jobId":"Job1","jobDocument":{"Todo":"Reboot"},
                 "status":"IN_PROGRESS","queuedAt":1700000000,"startedAt":1700000005,"lastUpdatedAt":1700000005,
                 "versionNumber":2,"executionNumber":1},"timestamp":1700000006}
                """), StartNextJobExecutionResponse.class);

        JobExecution execution = response.execution();
        assertThat(execution.jobId()).isEqualTo("Job1");
        assertThat(execution.thingName()).isNull();
        assertThat(execution.jobDocument().get("Todo").textValue()).isEqualTo("Reboot");
        assertThat(execution.status()).isEqualTo(JobExecutionStatus.IN_PROGRESS);
        assertThat(execution.versionNumber()).isEqualTo(2);
        assertThat(execution.executionNumber()).isEqualTo(1L);
        assertThat(execution.startedAt()).isEqualTo(1700000005L);
        assertThat(response.clientToken()).isEqualTo("a167");
    }

    @Test
    void readsAnEmptyNotifyNextAsNoExecution() {
        assertThat(JobsJson.read(utf8("{\"timestamp\":1700000000}"), NextJobExecutionChangedEvent.class)
                        .execution())
                .isNull();
    }

    @Test
    void toleratesUnknownMembersInAnswers() {
        RejectedError error = JobsJson.read(
                utf8("{\"code\":\"InvalidStateTransition\",\"message\":\"m\",\"timestamp\":1,\"newField\":true,"
                        + "\"executionState\":{\"status\":\"SUCCEEDED\",\"versionNumber\":4}}"),
                RejectedError.class);

        assertThat(error.code()).isEqualTo(RejectedErrorCode.InvalidStateTransition);
        assertThat(error.executionState().status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(error.executionState().versionNumber()).isEqualTo(4);
    }

    // ---------------------------------------------------------------- requests (service side)

    @Test
    void emptyPayloadIsAnEmptyRequest() throws Exception {
        assertThat(JobsJson.parseDescribe(new byte[0])).isEqualTo(new DescribeJobExecutionRequest(null, null, null));
        assertThat(JobsJson.parseDescribe(new byte[0]).includeJobDocumentOrDefault())
                .isTrue();
        assertThat(JobsJson.parseStartNext(utf8("{}")))
                .isEqualTo(new StartNextPendingJobExecutionRequest(null, null, null));
        assertThat(JobsJson.parseGetPending(utf8("  "))).isEqualTo(new GetPendingJobExecutionsRequest(null));
    }

    @Test
    void expectedVersionMayBeANumericString() throws Exception {
        UpdateJobExecutionRequest fromString = JobsJson.parseUpdate(
                utf8("{\"status\":\"IN_PROGRESS\",\"expectedVersion\":\"1\",\"executionNumber\":\"2\","
                        + "\"clientToken\":\"c\"}"));
        UpdateJobExecutionRequest fromNumber = JobsJson.parseUpdate(utf8(
                "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":1,\"executionNumber\":2," + "\"clientToken\":\"c\"}"));

        assertThat(fromString).isEqualTo(fromNumber);
        assertThat(fromString.expectedVersion()).isEqualTo(1);
        assertThat(fromString.executionNumber()).isEqualTo(2L);
    }

    @Test
    void readsAFullUpdateRequest() throws Exception {
        UpdateJobExecutionRequest request = JobsJson.parseUpdate(utf8("""
                {"status":"SUCCEEDED","statusDetails":{"progress":"100%","step:final":"done"},"expectedVersion":3,
                 "includeJobExecutionState":true,"includeJobDocument":false,"stepTimeoutInMinutes":-1,
                 "clientToken":"ct-1"}"""));

        assertThat(request.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(request.statusDetails())
                .containsExactly(Map.entry("progress", "100%"), Map.entry("step:final", "done"));
        assertThat(request.includeJobExecutionState()).isTrue();
        assertThat(request.includeJobDocument()).isFalse();
        assertThat(request.stepTimeoutInMinutes()).isEqualTo(-1L);
    }

    @Test
    void malformedPayloadsAreInvalidJson() {
        assertCode(() -> JobsJson.parseUpdate(utf8("{not json")), RejectedErrorCode.InvalidJson, null);
        assertCode(() -> JobsJson.parseUpdate(utf8("[1,2]")), RejectedErrorCode.InvalidJson, null);
        assertCode(() -> JobsJson.parseUpdate(utf8("\"text\"")), RejectedErrorCode.InvalidJson, null);
        assertCode(
                () -> JobsJson.parseGetPending(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}),
                RejectedErrorCode.InvalidJson,
                null);
    }

    @Test
    void badFieldsAreInvalidRequestWithTheTokenEchoed() {
        assertCode(
                () -> JobsJson.parseUpdate(utf8("{\"clientToken\":\"t1\"}")), RejectedErrorCode.InvalidRequest, "t1");
        assertCode(
                () -> JobsJson.parseUpdate(utf8("{\"status\":\"DONE\",\"clientToken\":\"t2\"}")),
                RejectedErrorCode.InvalidRequest,
                "t2");
        assertCode(
                () -> JobsJson.parseUpdate(utf8("{\"status\":\"CANCELED\",\"clientToken\":\"t3\"}")),
                RejectedErrorCode.InvalidRequest,
                "t3");
        assertCode(
                () -> JobsJson.parseUpdate(
                        utf8("{\"status\":\"FAILED\",\"expectedVersion\":\"one\",\"clientToken\":\"t4\"}")),
                RejectedErrorCode.InvalidRequest,
                "t4");
        assertCode(
                () -> JobsJson.parseDescribe(utf8("{\"includeJobDocument\":\"yes\",\"clientToken\":\"t5\"}")),
                RejectedErrorCode.InvalidRequest,
                "t5");
        assertCode(
                () -> JobsJson.parseStartNext(utf8("{\"stepTimeoutInMinutes\":-1,\"clientToken\":\"t6\"}")),
                RejectedErrorCode.InvalidRequest,
                "t6");
        assertCode(
                () -> JobsJson.parseUpdate(utf8("{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":10081}")),
                RejectedErrorCode.InvalidRequest,
                null);
        assertCode(
                () -> JobsJson.parseGetPending(utf8("{\"clientToken\":42}")), RejectedErrorCode.InvalidRequest, null);
    }

    @Test
    void clientTokenIsLimitedTo64Bytes() throws Exception {
        String ok = "t".repeat(64);
        assertThat(JobsJson.parseGetPending(utf8("{\"clientToken\":\"" + ok + "\"}"))
                        .clientToken())
                .isEqualTo(ok);
        String tooLong = "é".repeat(33); // 66 bytes in UTF-8
        assertCode(
                () -> JobsJson.parseGetPending(utf8("{\"clientToken\":\"" + tooLong + "\"}")),
                RejectedErrorCode.InvalidRequest,
                tooLong);
    }

    @Test
    void statusDetailsFollowTheModelLimits() {
        StringBuilder eleven = new StringBuilder("{");
        for (int i = 0; i < 11; i++) {
            eleven.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        eleven.append('}');
        for (String details : List.of(
                "{\"n\":1}",
                "{\"nested\":{\"a\":\"b\"}}",
                "{\"bad key\":\"v\"}",
                "{\"k\":\"\"}",
                "{\"k\":\"" + "x".repeat(1025) + "\"}",
                "{\"k\":\"bell\\u0007\"}",
                "{\"k\":\"escape \\u001b[31mred\"}",
                "{\"k\":\"nul\\u0000\"}",
                "{\"k\":\"lone \\ud83d surrogate\"}",
                "[\"a\"]",
                eleven.toString())) {
            assertCode(
                    () -> JobsJson.parseUpdate(utf8(
                            "{\"status\":\"IN_PROGRESS\",\"statusDetails\":" + details + ",\"clientToken\":\"sd\"}")),
                    RejectedErrorCode.InvalidRequest,
                    "sd");
        }
    }

    @Test
    void statusDetailsAtTheLimitsAreAccepted() throws Exception {
        StringBuilder ten = new StringBuilder("{");
        for (int i = 0; i < 10; i++) {
            ten.append(i == 0 ? "" : ",")
                    .append("\"k")
                    .append(i)
                    .append("\":\"")
                    .append("x".repeat(1024))
                    .append('"');
        }
        ten.append('}');

        UpdateJobExecutionRequest request =
                JobsJson.parseUpdate(utf8("{\"status\":\"IN_PROGRESS\",\"statusDetails\":" + ten + "}"));

        assertThat(request.statusDetails()).hasSize(10);
    }

    @Test
    void theDeviceClientsTerminalUpdateWithItsStdoutIsAccepted() throws Exception {
        // Byte for byte what the AWS IoT Device Client v1.10 publishes after a runCommand step `echo,hello`.
        byte[] payload = utf8("""
                {"status":"SUCCEEDED","clientToken":"ZjJkmG4eta","statusDetails":{"reason":"Job exited with status: 0","stdout":"hello\\n"}}""");

        UpdateJobExecutionRequest request = JobsJson.parseUpdate(payload);

        assertThat(request.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(request.clientToken()).isEqualTo("ZjJkmG4eta");
        assertThat(request.statusDetails())
                .containsExactly(entry("reason", "Job exited with status: 0"), entry("stdout", "hello\n"));
    }

    @Test
    void processOutputWithTabsLineBreaksAndEmojiIsText() throws Exception {
        String output = "col1\tcol2\r\nline 2 \uD83D\uDC4D\u200D done\n";
        String json = JobsJson.mapper()
                .writeValueAsString(Map.of("status", "FAILED", "statusDetails", Map.of("stderr", output)));

        assertThat(JobsJson.parseUpdate(utf8(json)).statusDetails()).containsEntry("stderr", output);
    }

    @Test
    void valueLengthsAreCountedInCodePointsAsTheModelCounts() throws Exception {
        String thumbs = "\uD83D\uDC4D"; // one code point, two UTF-16 units
        String atLimit = thumbs.repeat(1024);
        String overLimit = thumbs.repeat(1025);

        assertThat(JobsJson.parseUpdate(utf8(updateWith(atLimit)))
                        .statusDetails()
                        .get("k"))
                .hasSize(2048);
        assertCode(() -> JobsJson.parseUpdate(utf8(updateWith(overLimit))), RejectedErrorCode.InvalidRequest, "sd");
    }

    @Test
    void theModelRuleRefusesEveryControlCharacterAndAnyRefusesNone() throws Exception {
        String newline = updateWith("two\nlines");
        String escape = updateWith("\u001b[0m");

        assertCode(
                () -> JobsJson.parseUpdate(utf8(newline), StatusDetailChars.MODEL),
                RejectedErrorCode.InvalidRequest,
                "sd");
        assertThat(JobsJson.parseUpdate(utf8(escape), StatusDetailChars.ANY).statusDetails())
                .containsEntry("k", "\u001b[0m");
        assertCode(
                () -> JobsJson.parseUpdate(utf8(escape), StatusDetailChars.TEXT),
                RejectedErrorCode.InvalidRequest,
                "sd");
    }

    private static String updateWith(String value) {
        try {
            return JobsJson.mapper()
                    .writeValueAsString(
                            Map.of("status", "IN_PROGRESS", "clientToken", "sd", "statusDetails", Map.of("k", value)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Parse {
        Object run() throws JobsRequestException;
    }

    private static void assertCode(Parse parse, RejectedErrorCode code, String token) {
        assertThatThrownBy(parse::run).isInstanceOfSatisfying(JobsRequestException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.clientToken()).isEqualTo(token);
        });
    }
}

package dev.fleetsim.local.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.local.controlplane.ApiRequest;
import dev.fleetsim.local.controlplane.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated payloads at both parsers (device MQTT requests and control-plane bodies), seeded so a failure
 * replays. Every request gets exactly one answer, never an internal error; rejected updates leave the execution as it
 * was; valid requests still work afterwards.
 */
class MalformedInputFuzzTest {
    private static final long SEED = 20261128L;
    private static final int ROUNDS = 3_000;

    private final EngineHarness h = new EngineHarness(Instant.parse("2026-11-28T12:00:00Z"));
    private final Random random = new Random(SEED);

    @AfterEach
    void close() {
        h.close();
    }

    private static final List<String> VALID_DEVICE = List.of(
            "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":\"1\",\"statusDetails\":{\"step\":\"a\"},\"clientToken\":\"c\"}",
            "{\"clientToken\":\"c\",\"includeJobDocument\":false,\"executionNumber\":1}",
            "{\"statusDetails\":{\"k\":\"v\"},\"stepTimeoutInMinutes\":5}",
            "{}",
            "");

    private static final List<String> TOPICS = List.of(
            "fz/update",
            "fz/get",
            "$next/get",
            "start-next",
            "get",
            "fz/update/accepted",
            "notify",
            "fz/bogus",
            "x/y/z/w");

    @Test
    void devicePayloadsNeverBreakTheServiceOrChangeStateWhenRejected() {
        h.things("t0");
        h.ok("PUT", "/jobs/fz", "{\"targets\":[\"t0\"],\"document\":\"{\\\"a\\\":1}\"}");
        h.outbound.take();
        for (int i = 0; i < ROUNDS; i++) {
            String topic = TOPICS.get(random.nextInt(TOPICS.size()));
            byte[] payload = mutate(VALID_DEVICE.get(random.nextInt(VALID_DEVICE.size())));
            JsonNode before = h.execution("t0", "fz");
            h.service.onDeviceRequest("fuzz", "$aws/things/t0/jobs/" + topic, payload);
            h.barrier();
            List<RecordingOutbound.Message> answers = h.outbound.take().stream()
                    .filter(m -> "fuzz".equals(m.clientId()))
                    .toList();
            assertThat(answers)
                    .as("exactly one answer to %s %s", topic, new String(payload, StandardCharsets.UTF_8))
                    .hasSize(1);
            RecordingOutbound.Message answer = answers.get(0);
            if (answer.topic().endsWith("/rejected")) {
                assertThat(answer.json().get("code").textValue()).isNotEqualTo("InternalError");
                assertThat(h.execution("t0", "fz"))
                        .as("a rejected request changes nothing")
                        .isEqualTo(before);
            }
            if (h.execution("t0", "fz").get("status").textValue().matches("SUCCEEDED|FAILED|REJECTED")) {
                h.ok("DELETE", "/jobs/fz?force=true", null);
                h.tick();
                h.ok("PUT", "/jobs/fz", "{\"targets\":[\"t0\"],\"document\":\"{\\\"a\\\":1}\"}");
                h.outbound.take();
            }
        }
        h.device("t0", "fz/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"final\"}");
        RecordingOutbound.Message last = h.outbound.take().get(0);
        assertThat(last.topic()).isEqualTo("$aws/things/t0/jobs/fz/update/accepted");
        assertThat(last.json().get("clientToken").textValue()).isEqualTo("final");
    }

    private static final List<String> ROUTES = List.of(
            "PUT /jobs/fj",
            "PATCH /jobs/fj",
            "PUT /jobs/fj/cancel",
            "POST /jobs/fj/targets",
            "POST /things/ft",
            "PATCH /things/ft",
            "POST /thing-groups/fg",
            "PUT /thing-groups/addThingToThingGroup",
            "PUT /job-templates/ftpl",
            "PUT /things/ft/jobs/fj/cancel",
            "PATCH /event-configurations");

    private static final List<String> VALID_BODIES = List.of(
            "{\"targets\":[\"arn:aws:iot:us-east-1:123456789012:thing/ft\"],\"document\":\"{}\","
                    + "\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":5,\"exponentialRate\":{\"baseRatePerMinute\":1,"
                    + "\"incrementFactor\":1.5,\"rateIncreaseCriteria\":{\"numberOfNotifiedThings\":2}}},"
                    + "\"abortConfig\":{\"criteriaList\":[{\"failureType\":\"ALL\",\"action\":\"CANCEL\","
                    + "\"thresholdPercentage\":10,\"minNumberOfExecutedThings\":1}]},"
                    + "\"timeoutConfig\":{\"inProgressTimeoutInMinutes\":3}}",
            "{\"thingGroupName\":\"fg\",\"thingName\":\"ft\"}",
            "{\"description\":\"d\",\"document\":\"{}\"}",
            "{\"attributePayload\":{\"attributes\":{\"a\":\"b\"},\"merge\":true}}",
            "{\"expectedVersion\":1,\"statusDetails\":{\"a\":\"b\"}}",
            "{\"eventConfigurations\":{\"JOB\":{\"Enabled\":true}}}");

    @Test
    void controlPlaneBodiesNeverBreakTheService() {
        h.things("ft", "keep");
        h.ok("PUT", "/jobs/keep", "{\"targets\":[\"keep\"],\"document\":\"{}\"}");
        JsonNode keep = h.job("keep");
        for (int i = 0; i < ROUNDS; i++) {
            String[] route = ROUTES.get(random.nextInt(ROUTES.size())).split(" ");
            String body =
                    new String(mutate(VALID_BODIES.get(random.nextInt(VALID_BODIES.size()))), StandardCharsets.UTF_8);
            JsonNode json;
            try {
                json = dev.fleetsim.jobs.JobsJson.readTree(body);
            } catch (IllegalArgumentException e) {
                continue; // the HTTP server answers SerializationException before the API sees it
            }
            if (json == null || !json.isObject()) {
                continue;
            }
            ApiResponse response = h.api.handle(new ApiRequest(route[0], route[1], Map.of(), Map.of(), json, false))
                    .join();
            assertThat(response.status())
                    .as("%s %s %s", route[0], route[1], body)
                    .isLessThan(500);
            if (response.errorType() != null) {
                assertThat(response.body().get("message").isTextual()).isTrue();
            }
        }
        assertThat(h.job("keep").get("jobId")).isEqualTo(keep.get("jobId"));
        h.device("keep", "keep/update", "{\"status\":\"SUCCEEDED\"}");
        assertThat(h.job("keep").get("status").textValue()).isEqualTo("COMPLETED");
    }

    private static final String INSERTS = "{}[]\":,09aé\u0000\\";

    /** Flips, drops, duplicates or swaps characters; sometimes swaps a value's JSON type. */
    private byte[] mutate(String valid) {
        StringBuilder s = new StringBuilder(valid);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(7)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, INSERTS.charAt(random.nextInt(INSERTS.length())));
                case 2 -> s.setCharAt(at, (char) (32 + random.nextInt(95)));
                case 3 -> s.setLength(at);
                case 4 -> s.replace(0, s.length(), s.toString().replaceFirst("\"[a-z]\"", "123"));
                case 5 ->
                    s.replace(0, s.length(), s.toString().replaceFirst("\\d+", "\"" + random.nextInt(99999) + "\""));
                default ->
                    s.replace(
                            0,
                            s.length(),
                            s.toString().replaceFirst(":\\{", ":[{").replaceFirst("}}", "}]}"));
            }
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(20) == 0 && bytes.length > 0) {
            bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(0x40)); // invalid UTF-8
        }
        return bytes;
    }
}

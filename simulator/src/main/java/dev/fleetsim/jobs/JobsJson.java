package dev.fleetsim.jobs;

import static dev.fleetsim.jobs.RejectedErrorCode.InvalidJson;
import static dev.fleetsim.jobs.RejectedErrorCode.InvalidRequest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * JSON codec of the Jobs device API.
 *
 * <p>Writing: null fields are omitted (AWS omits absent members rather than sending {@code null}). Reading answers
 * (device side): unknown members are ignored, as AWS adds fields over time. Reading requests (service side):
 * hand-checked against the limits of spec §1.2, §2.2–2.6 and §3.4 so that every violation becomes the rejection AWS
 * would send, with the request's {@code clientToken} echoed whenever it could be read.
 */
public final class JobsJson {

    /** Longest accepted {@code clientToken}, in UTF-8 bytes (§1.2). */
    public static final int MAX_CLIENT_TOKEN_BYTES = 64;
    /** Most {@code statusDetails} pairs (§3.4; one page says unlimited, the model says 10). */
    public static final int MAX_STATUS_DETAILS = 10;
    /** Longest {@code statusDetails} value (§3.4). */
    public static final int MAX_STATUS_DETAIL_VALUE = 1024;
    /** Longest step timer (§3.5): 7 days. */
    public static final long MAX_STEP_TIMEOUT_MINUTES = 10_080;

    private static final Pattern STATUS_DETAIL_KEY = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // {"a":1}} is not JSON: a body is one value, nothing after it (AWS answers such input as malformed).
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JobsJson() {}

    /** The shared mapper (thread-safe once configured). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Serializes a message record. */
    public static byte[] write(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot serialize " + message.getClass().getSimpleName(), e);
        }
    }

    /** Reads an answer or notification (device side); unknown members are ignored. */
    public static <T> T read(byte[] payload, Class<T> type) {
        try {
            return MAPPER.readValue(payload, type);
        } catch (IOException e) {
            throw new UncheckedIOException("malformed " + type.getSimpleName() + " payload", e);
        }
    }

    /** Parses JSON text into a tree; throws on malformed text. */
    public static JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ---------------------------------------------------------------- requests (service side)

    public static GetPendingJobExecutionsRequest parseGetPending(byte[] payload) throws JobsRequestException {
        ObjectNode json = requestObject(payload);
        return new GetPendingJobExecutionsRequest(clientToken(json));
    }

    public static StartNextPendingJobExecutionRequest parseStartNext(byte[] payload) throws JobsRequestException {
        return parseStartNext(payload, StatusDetailChars.TEXT);
    }

    public static StartNextPendingJobExecutionRequest parseStartNext(byte[] payload, StatusDetailChars chars)
            throws JobsRequestException {
        ObjectNode json = requestObject(payload);
        String token = clientToken(json);
        Long step = optionalLong(json, "stepTimeoutInMinutes", token);
        if (step != null && (step < 1 || step > MAX_STEP_TIMEOUT_MINUTES)) {
            throw invalid("stepTimeoutInMinutes must be between 1 and " + MAX_STEP_TIMEOUT_MINUTES, token);
        }
        return new StartNextPendingJobExecutionRequest(statusDetails(json, token, chars), step, token);
    }

    public static DescribeJobExecutionRequest parseDescribe(byte[] payload) throws JobsRequestException {
        ObjectNode json = requestObject(payload);
        String token = clientToken(json);
        Long executionNumber = optionalLong(json, "executionNumber", token);
        if (executionNumber != null && executionNumber < 1) {
            throw invalid("executionNumber must be positive", token);
        }
        return new DescribeJobExecutionRequest(
                executionNumber, optionalBoolean(json, "includeJobDocument", token), token);
    }

    public static UpdateJobExecutionRequest parseUpdate(byte[] payload) throws JobsRequestException {
        return parseUpdate(payload, StatusDetailChars.TEXT);
    }

    public static UpdateJobExecutionRequest parseUpdate(byte[] payload, StatusDetailChars chars)
            throws JobsRequestException {
        ObjectNode json = requestObject(payload);
        String token = clientToken(json);
        JsonNode statusNode = json.get("status");
        if (statusNode == null || statusNode.isNull()) {
            throw invalid("status is required", token);
        }
        if (!statusNode.isTextual()) {
            throw invalid("status must be a string", token);
        }
        JobExecutionStatus status;
        try {
            status = JobExecutionStatus.valueOf(statusNode.textValue());
        } catch (IllegalArgumentException e) {
            throw invalid("unknown status " + statusNode.textValue(), token);
        }
        if (!status.isDeviceSettable()) {
            // Spec §3.2: the exact code is undocumented; fleetsim answers InvalidRequest.
            throw invalid("a device may set only IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, not " + status, token);
        }
        Long expected = optionalLong(json, "expectedVersion", token);
        if (expected != null && (expected < 0 || expected > Integer.MAX_VALUE)) {
            throw invalid("expectedVersion out of range", token);
        }
        Long executionNumber = optionalLong(json, "executionNumber", token);
        if (executionNumber != null && executionNumber < 1) {
            throw invalid("executionNumber must be positive", token);
        }
        Long step = optionalLong(json, "stepTimeoutInMinutes", token);
        if (step != null && step != -1 && (step < 1 || step > MAX_STEP_TIMEOUT_MINUTES)) {
            throw invalid("stepTimeoutInMinutes must be -1 or between 1 and " + MAX_STEP_TIMEOUT_MINUTES, token);
        }
        return new UpdateJobExecutionRequest(
                status,
                statusDetails(json, token, chars),
                expected == null ? null : expected.intValue(),
                executionNumber,
                optionalBoolean(json, "includeJobExecutionState", token),
                optionalBoolean(json, "includeJobDocument", token),
                step,
                token);
    }

    /**
     * A request payload as a JSON object: a 0-byte payload is {@code {}} (§2.2); anything that is not UTF-8 JSON
     * text holding one object is {@code InvalidJson}.
     */
    static ObjectNode requestObject(byte[] payload) throws JobsRequestException {
        if (payload == null || payload.length == 0) {
            return MAPPER.createObjectNode();
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            throw new JobsRequestException(InvalidJson, "payload is not valid UTF-8", null);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(payload);
        } catch (IOException e) {
            throw new JobsRequestException(InvalidJson, "payload is not valid JSON", null);
        }
        if (node == null || node.isMissingNode()) {
            return MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw new JobsRequestException(InvalidJson, "payload must be a JSON object", null);
        }
        return (ObjectNode) node;
    }

    private static String clientToken(ObjectNode json) throws JobsRequestException {
        JsonNode node = json.get("clientToken");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalid("clientToken must be a string", null);
        }
        String token = node.textValue();
        if (token.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_TOKEN_BYTES) {
            throw invalid("clientToken must be at most " + MAX_CLIENT_TOKEN_BYTES + " bytes", token);
        }
        return token;
    }

    /** A long given as a JSON integer or as a numeric string (the AWS embedded C SDK sends strings). */
    private static Long optionalLong(ObjectNode json, String field, String token) throws JobsRequestException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue().trim());
            } catch (NumberFormatException e) {
                throw invalid(field + " must be a number", token);
            }
        }
        throw invalid(field + " must be a number", token);
    }

    private static Boolean optionalBoolean(ObjectNode json, String field, String token) throws JobsRequestException {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw invalid(field + " must be a boolean", token);
        }
        return node.booleanValue();
    }

    /**
     * {@code statusDetails}: at most 10 string pairs, keys {@code [a-zA-Z0-9:_-]{1,128}}, values of 1–1,024 code points
     * whose characters {@code chars} accepts.
     */
    private static Map<String, String> statusDetails(ObjectNode json, String token, StatusDetailChars chars)
            throws JobsRequestException {
        JsonNode node = json.get("statusDetails");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw invalid("statusDetails must be an object of strings", token);
        }
        if (node.size() > MAX_STATUS_DETAILS) {
            throw invalid("statusDetails may hold at most " + MAX_STATUS_DETAILS + " entries", token);
        }
        Map<String, String> details = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue();
            if (!value.isTextual()) {
                throw invalid("statusDetails value of '" + e.getKey() + "' must be a string", token);
            }
            String problem = statusDetailProblem(e.getKey(), value.textValue(), chars);
            if (problem != null) {
                throw invalid(problem, token);
            }
            details.put(e.getKey(), value.textValue());
        }
        return details;
    }

    /**
     * Why one {@code statusDetails} pair breaks the limits of spec §3.4, or null when it holds: the key must match
     * {@code [a-zA-Z0-9:_-]{1,128}}; the value must be 1–1,024 Unicode code points of characters {@code chars}
     * accepts. Shared by the device API and the control plane's CancelJobExecution.
     */
    public static String statusDetailProblem(String key, String value, StatusDetailChars chars) {
        if (!STATUS_DETAIL_KEY.matcher(key).matches()) {
            return "statusDetails key '" + key + "' must match [a-zA-Z0-9:_-]{1,128}";
        }
        int length = StatusDetailChars.length(value);
        if (length == 0 || length > MAX_STATUS_DETAIL_VALUE) {
            return "statusDetails value of '" + key + "' must be 1-" + MAX_STATUS_DETAIL_VALUE + " characters, not "
                    + length;
        }
        int refused = chars.firstRefused(value);
        if (refused >= 0) {
            return "statusDetails value of '" + key + "' holds the control character "
                    + StatusDetailChars.describe(refused);
        }
        return null;
    }

    private static JobsRequestException invalid(String message, String token) {
        return new JobsRequestException(InvalidRequest, message, token);
    }
}

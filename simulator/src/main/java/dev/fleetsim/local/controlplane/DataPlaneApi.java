package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.longParam;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.GetPendingJobExecutionsResponse;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsRequestException;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionResponse;
import dev.fleetsim.local.jobs.ApiException;
import dev.fleetsim.local.jobs.DeviceApi;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The HTTPS device data plane ({@code iot-jobs-data}, spec §4.8): the device API's four operations with the data
 * plane's shapes (a {@code jobDocument} string, no client token or timestamp) and its exceptions and HTTP statuses.
 */
final class DataPlaneApi {
    private final DeviceApi device;

    DataPlaneApi(DeviceApi device) {
        this.device = device;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("GET", "/things/{thingName}/jobs", "GetPendingJobExecutions", this::getPending);
        routes.add("PUT", "/things/{thingName}/jobs/$next", "StartNextPendingJobExecution", this::startNext);
        routes.add("GET", "/things/{thingName}/jobs/{jobId}", "DescribeJobExecution", this::describe);
        routes.add("POST", "/things/{thingName}/jobs/{jobId}", "UpdateJobExecution", this::update);
    }

    private JsonNode getPending(ApiRequest r, Map<String, String> p) {
        GetPendingJobExecutionsResponse response = device.getPending(p.get("thingName"), null);
        ObjectNode out = JSON.createObjectNode();
        out.set("inProgressJobs", JSON.valueToTree(response.inProgressJobs()));
        out.set("queuedJobs", JSON.valueToTree(response.queuedJobs()));
        return out;
    }

    private JsonNode startNext(ApiRequest r, Map<String, String> p) {
        StartNextPendingJobExecutionRequest request =
                call(() -> JobsJson.parseStartNext(bytes(r.body()), device.statusDetailChars()));
        return execution(device.startNext(p.get("thingName"), request).execution());
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        String include = r.queryParam("includeJobDocument");
        if (include != null && !include.equals("true") && !include.equals("false")) {
            throw invalidRequest("includeJobDocument must be true or false");
        }
        DescribeJobExecutionRequest request = new DescribeJobExecutionRequest(
                longParam(r, "executionNumber"), include == null ? null : Boolean.parseBoolean(include), null);
        return execution(call(() -> device.describe(p.get("thingName"), p.get("jobId"), request))
                .execution());
    }

    private JsonNode update(ApiRequest r, Map<String, String> p) {
        UpdateJobExecutionRequest request =
                call(() -> JobsJson.parseUpdate(bytes(r.body()), device.statusDetailChars()));
        UpdateJobExecutionResponse response = call(() -> device.update(p.get("thingName"), p.get("jobId"), request));
        ObjectNode out = JSON.createObjectNode();
        if (response.executionState() != null) {
            out.set("executionState", JSON.valueToTree(response.executionState()));
        }
        if (response.jobDocument() != null) {
            out.put("jobDocument", response.jobDocument().toString());
        }
        return out;
    }

    /** Data-plane shape: as over MQTT, but {@code jobDocument} is a string (§4.6, §15.2). */
    private static JsonNode execution(JobExecution execution) {
        ObjectNode out = JSON.createObjectNode();
        if (execution != null) {
            ObjectNode x = (ObjectNode) JSON.valueToTree(execution);
            if (execution.jobDocument() != null) {
                x.put("jobDocument", execution.jobDocument().toString());
            }
            out.set("execution", x);
        }
        return out;
    }

    private interface DeviceCall<T> {
        T call() throws JobsRequestException;
    }

    /** MQTT rejection codes → the data plane's exceptions and HTTP statuses (§2.8). */
    private static <T> T call(DeviceCall<T> call) {
        try {
            return call.call();
        } catch (JobsRequestException e) {
            throw switch (e.code()) {
                case ResourceNotFound -> notFound(e.getMessage());
                case InvalidStateTransition, VersionMismatch -> ApiException.invalidStateTransition(e.getMessage());
                case TerminalStateReached -> ApiException.terminalState(e.getMessage());
                case RequestThrottled -> new ApiException(429, "ThrottlingException", e.getMessage());
                case InternalError -> new ApiException(503, "ServiceUnavailableException", e.getMessage());
                default -> invalidRequest(e.getMessage());
            };
        }
    }

    private static byte[] bytes(JsonNode body) {
        return body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
    }
}

package dev.fleetsim.scenario;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The scenario file as written (YAML), before validation. Keys are exactly these; an unknown key is an error. Job
 * fields are named as AWS's CreateJob request fields so a job can be pasted from what one would send to AWS.
 *
 * <pre>
 * name: quickstart
 * timeout: 60s                     # give up waiting for terminal executions after this
 * fleet:
 *   count: 100
 *   thingNamePattern: "quickstart-%04d"
 *   connectRate: 500               # connects started per second
 *   installTime: 500ms             # how long a device's simulated install takes
 * jobs:
 *   - jobId: firmware-1-2-0
 *     description: Firmware 1.2.0
 *     document: {operation: install, version: 1.2.0}   # an object, or JSON text as in CreateJob
 *     targets: [quickstart-0000]   # optional: thing names or thing ARNs; default the whole fleet
 * </pre>
 */
public record ScenarioFile(
        @JsonProperty(required = true) String name,
        String timeout,
        @JsonProperty(required = true) Fleet fleet,
        @JsonProperty(required = true) List<Job> jobs) {

    /** The {@code fleet} section. */
    public record Fleet(
            @JsonProperty(required = true) Integer count,
            String thingNamePattern,
            Integer connectRate,
            String installTime) {}

    /** One entry of {@code jobs}: a subset of AWS's CreateJob request. */
    public record Job(
            @JsonProperty(required = true) String jobId,
            String description,
            @JsonProperty(required = true) JsonNode document,
            List<String> targets) {}
}

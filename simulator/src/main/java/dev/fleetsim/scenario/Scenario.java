package dev.fleetsim.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A validated scenario, ready to run.
 *
 * @param source the file it came from
 * @param name scenario name
 * @param timeout how long to wait for every execution to be terminal
 * @param fleet the fleet
 * @param jobs the jobs, created in order once the fleet is ready
 */
public record Scenario(Path source, String name, Duration timeout, FleetSpec fleet, List<JobSpec> jobs) {

    /** Default wait for terminal executions. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Scenario {
        jobs = List.copyOf(jobs);
    }

    /**
     * @param count devices
     * @param thingNamePattern {@link String#format} pattern over the device index
     * @param connectRate connects per second
     * @param installTime simulated install time of every job
     */
    public record FleetSpec(int count, String thingNamePattern, int connectRate, Duration installTime) {
        public static final String DEFAULT_PATTERN = "sim-%05d";
        public static final int DEFAULT_CONNECT_RATE = 500;
        public static final Duration DEFAULT_INSTALL_TIME = Duration.ofMillis(500);
    }

    /**
     * @param jobId the job id
     * @param description optional description
     * @param document the job document as JSON text
     * @param targets thing names; empty means every thing of the fleet
     */
    public record JobSpec(String jobId, String description, String document, List<String> targets) {
        public JobSpec {
            targets = List.copyOf(targets);
        }
    }
}

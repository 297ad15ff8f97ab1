package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.config.JobConfig;
import java.util.List;
import java.util.Objects;

/**
 * What {@link JobsService#createJob} needs, named after AWS's CreateJob request fields (spec §4.2). The control-plane
 * issue widens this to every CreateJob field.
 *
 * @param jobId 1–64 of {@code [a-zA-Z0-9_-]}
 * @param targets thing names, or thing or thing-group ARNs (at most 100, as on AWS)
 * @param document the job document, JSON text of at most 32,768 characters
 * @param description optional
 */
public record CreateJobSpec(String jobId, List<String> targets, String document, String description) {

    public CreateJobSpec {
        Objects.requireNonNull(targets, "targets");
        targets = List.copyOf(targets);
        if (!JobsTopic.isValidJobId(jobId)) {
            throw new IllegalArgumentException("jobId must be 1-64 characters of [a-zA-Z0-9_-]: " + jobId);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets must name at least one thing or group");
        }
        if (document == null || document.length() > JobConfig.MAX_DOCUMENT_CHARS) {
            throw new IllegalArgumentException(
                    "document is required and at most " + JobConfig.MAX_DOCUMENT_CHARS + " chars");
        }
        if (!JobsJson.readTree(document).isObject()) {
            throw new IllegalArgumentException("document must be a JSON object");
        }
    }
}

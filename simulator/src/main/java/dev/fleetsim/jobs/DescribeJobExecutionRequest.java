package dev.fleetsim.jobs;

/**
 * Payload of {@code P/{jobId}/get} (§2.5). {@code includeJobDocument} defaults to true when absent (null here).
 */
public record DescribeJobExecutionRequest(Long executionNumber, Boolean includeJobDocument, String clientToken) {

    public boolean includeJobDocumentOrDefault() {
        return includeJobDocument == null || includeJobDocument;
    }
}

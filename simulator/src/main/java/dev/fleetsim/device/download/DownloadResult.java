package dev.fleetsim.device.download;

/**
 * How a download ended. {@code FAILED} is a transfer or verification failure (a later attempt may succeed, e.g. with a
 * fresh presigned URL); {@code REJECTED} means the request itself cannot work (a bad URL, a size over the limit);
 * {@code CANCELED} means the device stopped it.
 */
public record DownloadResult(
        Outcome outcome, String reason, long bytes, String sha256Hex, int attempts, int resumes, long nanos) {
    public enum Outcome {
        SUCCEEDED,
        FAILED,
        REJECTED,
        CANCELED
    }

    public boolean succeeded() {
        return outcome == Outcome.SUCCEEDED;
    }
}

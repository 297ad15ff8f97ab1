package dev.fleetsim.local.jobs;

/**
 * Reads a job document named by CreateJob's {@code documentSource} (an S3 object URL), once, at creation (spec §4.2:
 * later changes to the object do not affect the job). Provided by the local artifact store.
 */
@FunctionalInterface
public interface DocumentSource {
    /**
     * The document's text.
     *
     * @throws IllegalArgumentException with a message for the caller when the URL names no readable object
     */
    String fetch(String url);
}

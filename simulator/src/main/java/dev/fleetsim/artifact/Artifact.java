package dev.fleetsim.artifact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;

/**
 * An uploaded artifact and what a job document needs to point devices at it.
 *
 * @param signatureBase64 DER ECDSA signature over the bytes (SHA256withECDSA), or null when unsigned
 */
public record Artifact(
        String bucket, String key, long size, String sha256Hex, String versionId, String signatureBase64) {

    /** The presigned-URL placeholder the Jobs service replaces at every delivery (spec §6.2). */
    public String placeholder() {
        return "${aws:iot:s3-presigned-url:https://s3.amazonaws.com/" + bucket + "/" + key + "}";
    }

    /**
     * The job-document fragment: {@code url} (the placeholder), {@code size}, {@code sha256} and, when signed, AWS's
     * {@code codesign} block ({@code rawPayloadSize}, {@code signature}, {@code signatureAlgorithm},
     * {@code payloadLocation.s3}).
     */
    public ObjectNode documentFragment() {
        ObjectNode doc = JobsJson.mapper().createObjectNode();
        doc.put("url", placeholder());
        doc.put("size", size);
        doc.put("sha256", sha256Hex);
        if (signatureBase64 != null) {
            ObjectNode codesign = doc.putObject("codesign");
            codesign.put("rawPayloadSize", size);
            codesign.put("signature", signatureBase64);
            codesign.put("signatureAlgorithm", "SHA256withECDSA");
            ObjectNode s3 = codesign.putObject("payloadLocation").putObject("s3");
            s3.put("bucketName", bucket);
            s3.put("key", key);
            if (versionId != null) {
                s3.put("version", versionId);
            }
        }
        return doc;
    }
}

package dev.fleetsim.local.jobs;

import java.util.regex.Pattern;

/**
 * Substitutes {@code ${aws:iot:s3-presigned-url:…}} (and {@code -v2}) placeholders in a job document with freshly
 * presigned URLs, at every delivery to a device (spec §6.2). Provided by the local artifact store.
 */
public interface DocumentPresigner {
    Pattern PLACEHOLDER = Pattern.compile("\\$\\{aws:iot:s3-presigned-url(?:-v2)?:([^}]+)}");

    /** The document text with every placeholder replaced by a URL valid for {@code expiresInSec}. */
    String substitute(String documentText, long expiresInSec);

    static boolean hasPlaceholder(String documentText) {
        return documentText != null && PLACEHOLDER.matcher(documentText).find();
    }
}

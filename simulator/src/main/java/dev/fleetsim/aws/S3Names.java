package dev.fleetsim.aws;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * S3's naming rules for general-purpose buckets and object keys, in one place: the local artifact store refuses what
 * S3 refuses ({@code InvalidBucketName}), and the CLI says so before it calls anything.
 */
public final class S3Names {
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** The longest key S3 takes, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;

    private S3Names() {}

    /** Why {@code name} is not a valid bucket name, or null when it is. */
    public static String bucketProblem(String name) {
        if (name == null || !BUCKET.matcher(name).matches()) {
            return "a bucket name is 3-63 characters of lower-case letters, digits, dots and hyphens, starting and"
                    + " ending with a letter or digit";
        }
        if (name.contains("..")) {
            return "a bucket name has no two dots in a row";
        }
        if (IPV4.matcher(name).matches()) {
            return "a bucket name is not an IP address";
        }
        if (name.startsWith("xn--") || name.startsWith("sthree-")) {
            return "a bucket name does not start with xn-- or sthree-";
        }
        if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) {
            return "a bucket name does not end with -s3alias or --ol-s3";
        }
        return null;
    }

    /** Why {@code key} is not a valid object key, or null when it is. */
    public static String keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "an object key is at least one character";
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "an object key is at most " + MAX_KEY_BYTES + " bytes in UTF-8";
        }
        return null;
    }
}

package dev.fleetsim.local.jobs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** ARNs of the local account and region (spec §1.2). */
public record Arns(String region, String accountId) {
    private static final Pattern RESOURCE = Pattern.compile("arn:aws[a-z-]*:iot:[^:]*:[^:]*:([a-z]+)/(.+)");

    public static final String DEFAULT_REGION = "us-east-1";
    public static final String DEFAULT_ACCOUNT = "000000000000";

    public String prefix() {
        return "arn:aws:iot:" + region + ":" + accountId + ":";
    }

    public String thing(String name) {
        return prefix() + "thing/" + name;
    }

    public String group(String name) {
        return prefix() + "thinggroup/" + name;
    }

    public String policy(String name) {
        return prefix() + "policy/" + name;
    }

    public String job(String jobId) {
        return prefix() + "job/" + jobId;
    }

    public String jobTemplate(String id) {
        return prefix() + "jobtemplate/" + id;
    }

    public String certificate(String id) {
        return prefix() + "cert/" + id;
    }

    public String caCertificate(String id) {
        return prefix() + "cacert/" + id;
    }

    /** A managed template's ARN has an empty account field and a version suffix (§1.2). */
    public String managedTemplate(String name, String version) {
        return "arn:aws:iot:" + region + "::jobtemplate/" + name + ":" + version;
    }

    /** {@code [type, name]} of an IoT ARN, or null. */
    public static String[] parse(String arn) {
        Matcher m = RESOURCE.matcher(arn == null ? "" : arn);
        return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
    }
}

package dev.fleetsim.scenario;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.target.IotCoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code target}: where the run plays: the embedded local stack (its time scale, rollout mode, retention) or AWS IoT Core. */
final class TargetSection {
    private TargetSection() {}

    private static IotCoreSettings iotCore(Node n, LoadContext ctx) {
        if (!n.mapping(
                "region",
                "profile",
                "mqttEndpoint",
                "controlPlaneEndpoint",
                "jobsDataPlaneEndpoint",
                "s3Endpoint",
                "trustStore",
                "provisioning",
                "existingDevices",
                "quotas",
                "presignRoleArn",
                "cleanup",
                "yes")) {
            return null;
        }
        Map<String, Double> quotas = new LinkedHashMap<>();
        Node q = n.get("quotas");
        if (!q.isMissing() && q.json().isObject()) {
            q.json().fieldNames().forEachRemaining(name -> {
                double rate = q.get(name).number(0);
                try {
                    ApiQuotas.defaults("us-east-1").with(Map.of(name, rate));
                    quotas.put(name, rate);
                } catch (IllegalArgumentException e) {
                    q.get(name).error(e.getMessage());
                }
            });
        } else if (!q.isMissing()) {
            q.error("must be a mapping of API name (e.g. CreateThing) to requests per second");
        }
        IotCoreSettings.Provisioning provisioning = n.get("provisioning")
                .oneOf(IotCoreSettings.Provisioning.REGISTER_CERTIFICATES, IotCoreSettings.Provisioning.class);
        Path existing = path(n.get("existingDevices"), ctx);
        if (provisioning == IotCoreSettings.Provisioning.EXISTING && existing == null) {
            n.get("existingDevices").error("is required with provisioning: existing (a CSV: thing,certificate,key)");
        }
        String role = n.get("presignRoleArn").text(null);
        if (role != null && !role.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
            n.get("presignRoleArn").error("must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/name");
        }
        return new IotCoreSettings(
                n.get("region").text(null),
                n.get("profile").text(null),
                null,
                n.get("mqttEndpoint").text(null),
                n.get("controlPlaneEndpoint").text(null),
                n.get("jobsDataPlaneEndpoint").text(null),
                n.get("s3Endpoint").text(null),
                path(n.get("trustStore"), ctx),
                provisioning,
                existing,
                quotas,
                role,
                n.get("cleanup").bool(true),
                n.get("yes").bool(false));
    }

    /** A file named relative to the scenario's folder, or null when absent. */
    private static Path path(Node n, LoadContext ctx) {
        String text = n.text(null);
        if (text == null) {
            return null;
        }
        Path p = ctx.file.toAbsolutePath().getParent().resolve(text).normalize();
        if (!Files.isRegularFile(p)) {
            n.error("no such file: " + p);
        }
        return p;
    }

    static void read(Node target, LoadContext ctx) {
        if (target.isMissing() || !target.mapping("local", "iotCore")) {
            return;
        }
        if (target.has("iotCore")) {
            ctx.iotCore = iotCore(target.get("iotCore"), ctx);
        }
        Node local = target.get("local");
        if (local.mapping("timeScale", "rolloutRateIncrease", "retention")) {
            Node scale = local.get("timeScale");
            double s = scale.number(1);
            if (!(s > 0) || s > 3600) {
                scale.error("must be above 0 and at most 3600 (simulated seconds per real second)");
            } else {
                ctx.timeScale = s;
            }
            ctx.rateIncrease = local.get("rolloutRateIncrease").oneOf(RateIncrease.NEXT_MINUTE, RateIncrease.class);
            Node retention = local.get("retention");
            if (!retention.isMissing() && retention.mapping("completedJobs", "completedFor")) {
                int jobs =
                        (int) retention.get("completedJobs").integer(Retention.DEFAULT.completedJobs(), 1, 1_000_000);
                Duration age = retention.get("completedFor").duration(Retention.DEFAULT.completedFor());
                if (age.isZero() || age.isNegative()) {
                    retention.get("completedFor").error("must be a positive duration, e.g. 1d");
                } else {
                    ctx.retention = new Retention(jobs, age);
                }
            }
        }
    }
}

package dev.fleetsim.scenario;

import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import java.time.Duration;

/** {@code target}: where the run plays (today the embedded local stack) and that stack's time scale and rollout mode. */
final class TargetSection {
    private TargetSection() {}

    static void read(Node target, LoadContext ctx) {
        if (target.isMissing() || !target.mapping("local", "iot-core")) {
            return;
        }
        if (target.has("iot-core")) {
            target.get("iot-core")
                    .error("running against AWS IoT Core is reserved for a later release; use 'local' for now");
            target.get("iot-core").mapping("endpoint", "region", "profile");
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

package dev.fleetsim.device.handlers;

import java.util.List;

/**
 * What a device will do with a job document: its steps, or the reason it rejects the job.
 *
 * @param kind which document format was recognised, for reports
 * @param steps the steps in order; empty when rejected
 * @param rejection why the device answers REJECTED; null when the job is accepted
 */
public record JobPlan(String kind, List<Step> steps, String rejection) {

    public static JobPlan of(String kind, List<Step> steps) {
        return new JobPlan(kind, List.copyOf(steps), null);
    }

    public static JobPlan reject(String kind, String reason) {
        return new JobPlan(kind, List.of(), reason);
    }

    public boolean rejected() {
        return rejection != null;
    }
}

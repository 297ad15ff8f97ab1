package dev.fleetsim.jobs.config;

import static dev.fleetsim.jobs.config.InvalidJobConfigException.invalidRequest;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * The configuration blocks of CreateJob, UpdateJob and CreateJobTemplate with AWS's field names (spec §4.2), each
 * validated against the model's ranges. Serialized back as given in DescribeJob.
 */
public final class JobConfig {

    /** Largest job document, in characters (spec §6.1). */
    public static final int MAX_DOCUMENT_CHARS = 32_768;

    /** A configuration that checks itself against the service model's limits. */
    public interface Validated {
        /** @throws InvalidJobConfigException naming the field and its limit */
        void validate();
    }

    private JobConfig() {}

    private static final Set<String> ABORT_FAILURE_TYPES = Set.of("FAILED", "REJECTED", "TIMED_OUT", "ALL");
    private static final Set<String> RETRY_FAILURE_TYPES = Set.of("FAILED", "TIMED_OUT", "ALL");
    private static final Set<String> END_BEHAVIORS = Set.of("STOP_ROLLOUT", "CANCEL", "FORCE_CANCEL");

    /** {@code jobExecutionsRolloutConfig}; {@code maximumPerMinute} defaults to 1,000 (§5.1). */
    public record Rollout(Integer maximumPerMinute, ExponentialRate exponentialRate) implements Validated {
        public static final int DEFAULT_MAXIMUM_PER_MINUTE = 1000;

        @Override
        public void validate() {
            if (maximumPerMinute != null && (maximumPerMinute < 1 || maximumPerMinute > 1000)) {
                throw invalidRequest("jobExecutionsRolloutConfig.maximumPerMinute must be 1-1000");
            }
            if (exponentialRate != null) {
                exponentialRate.validate();
            }
        }

        public int maximum() {
            return maximumPerMinute == null ? DEFAULT_MAXIMUM_PER_MINUTE : maximumPerMinute;
        }
    }

    /** {@code exponentialRate} (§5.2). */
    public record ExponentialRate(
            Integer baseRatePerMinute, Double incrementFactor, RateIncreaseCriteria rateIncreaseCriteria) {
        void validate() {
            if (baseRatePerMinute == null || baseRatePerMinute < 1 || baseRatePerMinute > 1000) {
                throw invalidRequest("exponentialRate.baseRatePerMinute must be 1-1000");
            }
            if (incrementFactor == null
                    || incrementFactor < 1.1
                    || incrementFactor > 5.0
                    || BigDecimal.valueOf(incrementFactor).stripTrailingZeros().scale() > 1) {
                throw invalidRequest("exponentialRate.incrementFactor must be 1.1-5.0 with one decimal");
            }
            if (rateIncreaseCriteria == null
                    || (rateIncreaseCriteria.numberOfNotifiedThings() == null
                            && rateIncreaseCriteria.numberOfSucceededThings() == null)) {
                throw invalidRequest("exponentialRate.rateIncreaseCriteria needs numberOfNotifiedThings or"
                        + " numberOfSucceededThings");
            }
            Integer n = rateIncreaseCriteria.numberOfNotifiedThings();
            Integer s = rateIncreaseCriteria.numberOfSucceededThings();
            if ((n != null && n < 1) || (s != null && s < 1)) {
                throw invalidRequest("rateIncreaseCriteria thresholds must be at least 1");
            }
        }
    }

    public record RateIncreaseCriteria(Integer numberOfNotifiedThings, Integer numberOfSucceededThings) {}

    /** {@code abortConfig} (§5.4). */
    public record Abort(List<AbortCriteria> criteriaList) implements Validated {
        @Override
        public void validate() {
            if (criteriaList == null || criteriaList.isEmpty()) {
                throw invalidRequest("abortConfig.criteriaList needs at least one criterion");
            }
            for (AbortCriteria c : criteriaList) {
                if (c.failureType() == null || !ABORT_FAILURE_TYPES.contains(c.failureType())) {
                    throw invalidRequest("abortConfig failureType must be FAILED, REJECTED, TIMED_OUT or ALL");
                }
                if (!"CANCEL".equals(c.action())) {
                    throw invalidRequest("abortConfig action must be CANCEL");
                }
                if (c.thresholdPercentage() == null || c.thresholdPercentage() < 0 || c.thresholdPercentage() > 100) {
                    throw invalidRequest("abortConfig thresholdPercentage must be 0-100");
                }
                if (c.minNumberOfExecutedThings() == null || c.minNumberOfExecutedThings() < 1) {
                    throw invalidRequest("abortConfig minNumberOfExecutedThings must be at least 1");
                }
            }
        }
    }

    public record AbortCriteria(
            String failureType, String action, Double thresholdPercentage, Integer minNumberOfExecutedThings) {}

    /** {@code timeoutConfig} (§3.5). */
    public record Timeout(Long inProgressTimeoutInMinutes) implements Validated {
        @Override
        public void validate() {
            if (inProgressTimeoutInMinutes != null
                    && (inProgressTimeoutInMinutes < 1 || inProgressTimeoutInMinutes > 10_080)) {
                throw invalidRequest("timeoutConfig.inProgressTimeoutInMinutes must be 1-10080");
            }
        }
    }

    /** {@code jobExecutionsRetryConfig} (§3.6). */
    public record Retry(List<RetryCriteria> criteriaList) implements Validated {
        @Override
        public void validate() {
            if (criteriaList == null || criteriaList.isEmpty() || criteriaList.size() > 2) {
                throw invalidRequest("jobExecutionsRetryConfig.criteriaList needs 1 or 2 criteria");
            }
            int total = 0;
            for (RetryCriteria c : criteriaList) {
                if (c.failureType() == null || !RETRY_FAILURE_TYPES.contains(c.failureType())) {
                    throw invalidRequest("retry failureType must be FAILED, TIMED_OUT or ALL");
                }
                if (c.numberOfRetries() == null || c.numberOfRetries() < 0 || c.numberOfRetries() > 10) {
                    throw invalidRequest("retry numberOfRetries must be 0-10");
                }
                total += c.numberOfRetries();
            }
            if (total > 10) {
                throw invalidRequest("at most 10 retries in all criteria together");
            }
        }
    }

    public record RetryCriteria(String failureType, Integer numberOfRetries) {}

    /** {@code schedulingConfig} (§5.5). */
    public record Scheduling(
            String startTime, String endTime, String endBehavior, List<MaintenanceWindow> maintenanceWindows)
            implements Validated {
        @Override
        public void validate() {
            if (endBehavior != null && !END_BEHAVIORS.contains(endBehavior)) {
                throw invalidRequest("schedulingConfig.endBehavior must be STOP_ROLLOUT, CANCEL or FORCE_CANCEL");
            }
            if (maintenanceWindows != null) {
                for (MaintenanceWindow w : maintenanceWindows) {
                    w.validate();
                }
            }
        }
    }

    /** A recurring window (§5.5): rollout happens only inside one. */
    public record MaintenanceWindow(String startTime, Integer durationInMinutes) {
        void validate() {
            if (startTime == null || startTime.isEmpty() || startTime.length() > 256) {
                throw invalidRequest("maintenanceWindows startTime must be a cron expression of 1-256 characters");
            }
            try {
                Cron.parse(startTime);
            } catch (IllegalArgumentException e) {
                throw invalidRequest("maintenanceWindows startTime: " + e.getMessage());
            }
            if (durationInMinutes == null || durationInMinutes < 1 || durationInMinutes > 1430) {
                throw invalidRequest("maintenanceWindows durationInMinutes must be 1-1430");
            }
        }

        public Cron cron() {
            return Cron.parse(startTime);
        }
    }

    /** {@code presignedUrlConfig} (§6.2): {@code expiresInSec} 60–3600, default 3600. */
    public record PresignedUrl(String roleArn, Long expiresInSec) implements Validated {
        @Override
        public void validate() {
            if (roleArn != null && (roleArn.length() < 20 || roleArn.length() > 2048)) {
                throw invalidRequest("presignedUrlConfig.roleArn must be 20-2048 characters");
            }
            if (expiresInSec != null && (expiresInSec < 60 || expiresInSec > 3600)) {
                throw invalidRequest("presignedUrlConfig.expiresInSec must be 60-3600");
            }
        }
    }
}

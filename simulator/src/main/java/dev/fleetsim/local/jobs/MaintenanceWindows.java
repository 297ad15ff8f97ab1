package dev.fleetsim.local.jobs;

import dev.fleetsim.jobs.config.JobConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's scheduling configuration in time (§5.5): whether now lies in one of its maintenance windows, the next window
 * starts, and how many pending executions devices are shown while scheduled jobs are pending (§2.9.1).
 */
public final class MaintenanceWindows {
    private MaintenanceWindows() {}

    /** How many pending executions {@code get/accepted} and {@code notify} list for a thing (§2.9.1). */
    static int listLimit(List<Execution> pending, Instant now) {
        int limit = JobsEngine.MAX_LISTED;
        for (Execution e : pending) {
            JobConfig.Scheduling scheduling = e.job.scheduling;
            if (scheduling != null) {
                boolean windows = scheduling.maintenanceWindows() != null
                        && !scheduling.maintenanceWindows().isEmpty();
                if (windows && inWindow(e.job, now)) {
                    return JobsEngine.MAX_LISTED_IN_WINDOW;
                }
                limit = JobsEngine.MAX_LISTED_SCHEDULED;
            }
        }
        return limit;
    }

    /** True without windows; else whether {@code now} lies in one of them (§5.5). */
    static boolean inWindow(Job job, Instant now) {
        if (job.scheduling == null
                || job.scheduling.maintenanceWindows() == null
                || job.scheduling.maintenanceWindows().isEmpty()) {
            return true;
        }
        for (JobConfig.MaintenanceWindow w : job.scheduling.maintenanceWindows()) {
            if (w.cron().inWindow(now, w.durationInMinutes())) {
                return true;
            }
        }
        return false;
    }

    /** The next seven window starts ({@code scheduledJobRollouts}, §4.3). */
    public static List<Instant> nextRollouts(Job job, Instant now) {
        if (job.scheduling == null || job.scheduling.maintenanceWindows() == null) {
            return List.of();
        }
        Instant from = job.startTime != null && job.startTime.isAfter(now) ? job.startTime : now;
        List<Instant> all = new ArrayList<>();
        for (JobConfig.MaintenanceWindow w : job.scheduling.maintenanceWindows()) {
            all.addAll(w.cron().next(from, 7, 400));
        }
        return all.stream().sorted().limit(7).toList();
    }
}

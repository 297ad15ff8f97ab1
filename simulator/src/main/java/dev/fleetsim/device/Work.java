package dev.fleetsim.device;

import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.download.DownloadResult;
import dev.fleetsim.device.handlers.JobPlan;
import dev.fleetsim.device.handlers.Step;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The execution a device has in hand: what the service last said of it (version, status), the plan its document gave
 * and the seeded draw of how it goes, where the steps are, and what the device reports when it is done. Confined to
 * the device's loop, like the device.
 */
final class Work {
    final String jobId;
    final long executionNumber;
    int version;
    /** The execution's status as the device last learned or reported it. */
    JobExecutionStatus status;

    final JobPlan plan;
    final Behaviour.Plan draw;
    int stepIndex;
    ScheduledFuture<?> timer;
    boolean resumedAfterReboot;
    JobExecutionStatus reporting;
    Map<String, String> details = new LinkedHashMap<>();
    /** The last update sent, resent as is (with a fresh version) after a VersionMismatch. */
    UpdateJobExecutionRequest lastUpdate;
    /** The download in progress, or null. */
    Future<DownloadResult> download;
    /** Bytes of the last finished real download, or -1. */
    long downloadedBytes = -1;

    Work(
            String jobId,
            long executionNumber,
            int version,
            JobExecutionStatus status,
            JobPlan plan,
            Behaviour.Plan draw) {
        this.jobId = jobId;
        this.executionNumber = executionNumber;
        this.version = version;
        this.status = status;
        this.plan = plan;
        this.draw = draw;
    }

    /** Whether {@code e} is this execution (same job, same execution number). */
    boolean is(JobExecution e) {
        return e != null
                && jobId.equals(e.jobId())
                && e.executionNumber() != null
                && executionNumber == e.executionNumber();
    }

    /** How long a simulated step takes, from the cohort's draw. */
    Duration durationOf(Step step) {
        if (step instanceof Step.Download) {
            return draw.download();
        }
        if (step instanceof Step.InstallFirmware || step instanceof Step.Packages) {
            return draw.install();
        }
        if (step instanceof Step.Reboot) {
            return draw.rebootTime();
        }
        return Duration.ofMillis(10);
    }

    /** The {@code statusDetails} of SUCCEEDED: the installed firmware, a command's output, a new certificate. */
    Map<String, String> successDetails(String thingName, DeviceState disk) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("step", "done");
        if (details.containsKey("certificateId")) {
            out.put("certificateId", details.get("certificateId"));
        }
        for (Step s : plan.steps()) {
            if (s instanceof Step.InstallFirmware install) {
                out.put("firmware", StatusText.truncate(install.version()));
            } else if (s instanceof Step.RunCommand run) {
                out.put("stdout", StatusText.truncate(simulatedOutput(run.argv(), thingName, disk)));
            }
        }
        return out;
    }

    /** What a SUCCEEDED execution leaves on the device's disk. */
    void applySuccess(DeviceState disk) {
        for (Step s : plan.steps()) {
            if (s instanceof Step.InstallFirmware install) {
                disk.installFirmware(install.version());
            } else if (s instanceof Step.Packages p) {
                disk.packages(p.install(), p.packages());
            } else if (s instanceof Step.Download d) {
                disk.file(d.sandboxPath(), d.url().replaceAll("\\?.*$", ""));
            } else if (s instanceof Step.FactoryReset) {
                disk.factoryReset();
            } else if (s instanceof Step.RotateCertificate) {
                disk.certificate(details.getOrDefault("certificateId", "rotated-" + jobId));
            }
        }
        disk.jobDone();
    }

    private static String simulatedOutput(List<String> argv, String thingName, DeviceState disk) {
        return "simulated output of '" + String.join(" ", argv) + "' on " + thingName + " (firmware "
                + disk.firmwareVersion() + ")";
    }
}

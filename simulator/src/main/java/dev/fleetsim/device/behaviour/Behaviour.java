package dev.fleetsim.device.behaviour;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * What a cohort of devices does with a job: the odds of each outcome, how long each phase takes, and how often a device
 * reboots during an install or crashes mid-download.
 *
 * @param name cohort name, for reports
 * @param succeed relative weight of {@link Outcome#SUCCEED}
 * @param fail relative weight of {@link Outcome#FAIL}
 * @param reject relative weight of {@link Outcome#REJECT}
 * @param hang relative weight of {@link Outcome#HANG}
 * @param download time to download (a timed no-op until the download path lands)
 * @param install time to install
 * @param rebootDuringInstall probability of a reboot in the middle of the install (the device resumes afterwards)
 * @param crashMidDownload probability of a crash mid-download (the device restarts and resumes)
 * @param rebootTime how long a reboot or a crash keeps the device offline
 */
public record Behaviour(
        String name,
        double succeed,
        double fail,
        double reject,
        double hang,
        Distribution download,
        Distribution install,
        double rebootDuringInstall,
        double crashMidDownload,
        Distribution rebootTime) {

    public Behaviour {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(download, "download");
        Objects.requireNonNull(install, "install");
        Objects.requireNonNull(rebootTime, "rebootTime");
        if (succeed < 0 || fail < 0 || reject < 0 || hang < 0 || succeed + fail + reject + hang <= 0) {
            throw new IllegalArgumentException("outcome weights must be non-negative and not all zero");
        }
        if (rebootDuringInstall < 0 || rebootDuringInstall > 1 || crashMidDownload < 0 || crashMidDownload > 1) {
            throw new IllegalArgumentException("probabilities must be between 0 and 1");
        }
    }

    /** Every job succeeds after a fixed install time. */
    public static Behaviour alwaysSucceeds(Duration install) {
        return new Behaviour(
                "default",
                1,
                0,
                0,
                0,
                Distribution.fixed(Duration.ZERO),
                Distribution.fixed(install),
                0,
                0,
                Distribution.fixed(Duration.ofSeconds(1)));
    }

    /**
     * The plan for one execution on one device: a pure function of (seed, thing, job, execution number), so a run can
     * be replayed exactly.
     */
    public Plan plan(long seed, String thingName, String jobId, long executionNumber) {
        SplittableRandom random =
                new SplittableRandom(mix(seed, thingName + '\u0000' + jobId + '\u0000' + executionNumber));
        double total = succeed + fail + reject + hang;
        double pick = random.nextDouble() * total;
        Outcome outcome;
        if ((pick -= succeed) < 0) {
            outcome = Outcome.SUCCEED;
        } else if ((pick -= fail) < 0) {
            outcome = Outcome.FAIL;
        } else if ((pick -= reject) < 0) {
            outcome = Outcome.REJECT;
        } else {
            outcome = Outcome.HANG;
        }
        Duration downloadTime = download.sample(random);
        Duration installTime = install.sample(random);
        boolean reboot = random.nextDouble() < rebootDuringInstall;
        boolean crash = random.nextDouble() < crashMidDownload;
        return new Plan(outcome, downloadTime, installTime, reboot, crash, rebootTime.sample(random));
    }

    /** One execution's draw. */
    public record Plan(
            Outcome outcome,
            Duration download,
            Duration install,
            boolean rebootDuringInstall,
            boolean crashMidDownload,
            Duration rebootTime) {}

    /** A 64-bit mix of the seed and a text (FNV-1a, then SplitMix64's finaliser). */
    static long mix(long seed, String text) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }
}

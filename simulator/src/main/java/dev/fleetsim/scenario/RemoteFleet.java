package dev.fleetsim.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The devices of a sharded run, in other processes (pods of an Indexed Job, or children of this process): what the
 * coordinator's run asks of them. The run still makes things, groups and artifacts once, creates the jobs and plays the
 * timeline; the shards connect the fleet, slice by slice, and send what their devices observe back into the run's
 * {@link RunObserver}, so the report is built exactly as a single process's.
 */
public interface RemoteFleet {

    /**
     * Setup is done: every shard connects its slice to {@code endpoint}. Returns when every shard reports its devices
     * ready, or at the barrier's timeout (the run goes on with the shards that are; the others are named).
     *
     * @param codeSigning the certificate artifacts are signed with, or null
     * @param clock the run's clock: shards set theirs to it, so device-side times are the service's simulated times
     * @param observer receives what the shards' devices observe, from now on
     */
    void connect(
            String mqttHost,
            int mqttPort,
            X509Certificate codeSigning,
            Clock clock,
            RunObserver observer,
            Consumer<String> out)
            throws InterruptedException;

    /**
     * A job is about to be created: returns once every live shard knows it (its devices measure end to end from
     * {@code intendedNanos}, a {@link System#nanoTime()} of this process), so none hears of the job first.
     */
    void jobStarting(String jobId, long intendedNanos) throws InterruptedException;

    /** Devices with fleet index in [from, to) go offline for {@code real}. */
    void offline(int from, int to, Duration real);

    /** A seeded share of every shard's devices goes offline for {@code real}. */
    void disconnectStorm(double share, Duration real, long seed);

    /** Ends the run on every shard and waits up to {@code wait} for their last results. */
    void stop(Duration wait) throws InterruptedException;

    /** The report's {@code shards} section: each shard's own figures, restarts, and shards that were lost. */
    JsonNode report();
}

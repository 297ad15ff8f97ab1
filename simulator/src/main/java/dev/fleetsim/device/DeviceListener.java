package dev.fleetsim.device;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;

/**
 * The seam through which devices report what happens to them (okhttp's {@code EventListener} shape): paired events,
 * called on the device's event loop. Implementations must be fast, thread-safe across devices and must never throw.
 * Times are {@link System#nanoTime()} values.
 */
public interface DeviceListener {
    DeviceListener NONE = new DeviceListener() {};

    default void connectStart(String thingName, long nanoTime) {}

    default void connectEnd(String thingName, long nanoTime) {}

    default void connectFailed(String thingName, long nanoTime, Throwable cause) {}

    /** The connection dropped (or the device went offline on purpose). */
    default void disconnected(String thingName, long nanoTime) {}

    default void subscribeStart(String thingName, long nanoTime) {}

    default void subscribeEnd(String thingName, long nanoTime) {}

    /** Subscribed, and the first ask for pending work was answered: the device can take jobs. */
    default void ready(String thingName, long nanoTime) {}

    /** A new execution reached the device (by notify-next or by an answer), after de-duplication. */
    default void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {}

    /** The same execution arrived again and was ignored. */
    default void duplicateIgnored(String thingName, String jobId, long executionNumber, long nanoTime) {}

    /** A request left the device. */
    default void requestSent(String thingName, JobsTopic.Operation operation, long nanoTime) {}

    /** The service accepted a request. */
    default void requestAccepted(String thingName, JobsTopic.Operation operation, long nanoTime) {}

    /** No answer came within the answer timeout; the request is sent again with a fresh client token. */
    default void requestTimedOut(String thingName, JobsTopic.Operation operation, long nanoTime) {}

    /** The service rejected a request. */
    default void requestRejected(
            String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long nanoTime) {}

    /** A step of a job handler began ({@code download}, {@code install}, …). */
    default void phaseStart(String thingName, String jobId, String phase, long nanoTime) {}

    /** A step of a job handler ended. */
    default void phaseEnd(String thingName, String jobId, String phase, long nanoTime) {}

    default void downloadStart(String thingName, String jobId, String url, long nanoTime) {}

    default void downloadEnd(String thingName, String jobId, long bytes, long nanoTime) {}

    /** A download failed (after its retries) or was refused; the device reports FAILED or REJECTED. */
    default void downloadFailed(String thingName, String jobId, String reason, long nanoTime) {}

    /** The service accepted a status update. */
    default void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {}

    /**
     * An MQTT message left the device. Called for every publish: an implementation that keeps anything must bound it
     * (the live console keeps the last few per device, and only when it runs).
     */
    default void messageSent(String thingName, String topic, byte[] payload, long nanoTime) {}

    /** An MQTT message reached the device on one of its subscriptions; the same care as {@link #messageSent}. */
    default void messageReceived(String thingName, String topic, byte[] payload, long nanoTime) {}

    /** Local work on an execution stopped because the service no longer has it pending (canceled, removed, timed out). */
    default void jobCanceled(String thingName, String jobId, long executionNumber, long nanoTime) {}
}

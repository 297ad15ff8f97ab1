package dev.fleetsim.device;

import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;

/**
 * Two listeners as one, called in order (the run's observer, then the live console's view). Both must keep
 * {@link DeviceListener}'s contract: fast, thread-safe, never throwing.
 */
public final class TeeListener implements DeviceListener {
    private final DeviceListener first;
    private final DeviceListener second;

    public TeeListener(DeviceListener first, DeviceListener second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void connectStart(String thingName, long nanoTime) {
        first.connectStart(thingName, nanoTime);
        second.connectStart(thingName, nanoTime);
    }

    @Override
    public void connectEnd(String thingName, long nanoTime) {
        first.connectEnd(thingName, nanoTime);
        second.connectEnd(thingName, nanoTime);
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        first.connectFailed(thingName, nanoTime, cause);
        second.connectFailed(thingName, nanoTime, cause);
    }

    @Override
    public void disconnected(String thingName, long nanoTime) {
        first.disconnected(thingName, nanoTime);
        second.disconnected(thingName, nanoTime);
    }

    @Override
    public void subscribeStart(String thingName, long nanoTime) {
        first.subscribeStart(thingName, nanoTime);
        second.subscribeStart(thingName, nanoTime);
    }

    @Override
    public void subscribeEnd(String thingName, long nanoTime) {
        first.subscribeEnd(thingName, nanoTime);
        second.subscribeEnd(thingName, nanoTime);
    }

    @Override
    public void ready(String thingName, long nanoTime) {
        first.ready(thingName, nanoTime);
        second.ready(thingName, nanoTime);
    }

    @Override
    public void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {
        first.jobReceived(thingName, jobId, executionNumber, nanoTime);
        second.jobReceived(thingName, jobId, executionNumber, nanoTime);
    }

    @Override
    public void duplicateIgnored(String thingName, String jobId, long executionNumber, long nanoTime) {
        first.duplicateIgnored(thingName, jobId, executionNumber, nanoTime);
        second.duplicateIgnored(thingName, jobId, executionNumber, nanoTime);
    }

    @Override
    public void requestSent(String thingName, JobsTopic.Operation operation, long nanoTime) {
        first.requestSent(thingName, operation, nanoTime);
        second.requestSent(thingName, operation, nanoTime);
    }

    @Override
    public void requestAccepted(String thingName, JobsTopic.Operation operation, long nanoTime) {
        first.requestAccepted(thingName, operation, nanoTime);
        second.requestAccepted(thingName, operation, nanoTime);
    }

    @Override
    public void requestTimedOut(String thingName, JobsTopic.Operation operation, long nanoTime) {
        first.requestTimedOut(thingName, operation, nanoTime);
        second.requestTimedOut(thingName, operation, nanoTime);
    }

    @Override
    public void requestRejected(
            String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long nanoTime) {
        first.requestRejected(thingName, operation, code, nanoTime);
        second.requestRejected(thingName, operation, code, nanoTime);
    }

    @Override
    public void phaseStart(String thingName, String jobId, String phase, long nanoTime) {
        first.phaseStart(thingName, jobId, phase, nanoTime);
        second.phaseStart(thingName, jobId, phase, nanoTime);
    }

    @Override
    public void phaseEnd(String thingName, String jobId, String phase, long nanoTime) {
        first.phaseEnd(thingName, jobId, phase, nanoTime);
        second.phaseEnd(thingName, jobId, phase, nanoTime);
    }

    @Override
    public void downloadStart(String thingName, String jobId, String url, long nanoTime) {
        first.downloadStart(thingName, jobId, url, nanoTime);
        second.downloadStart(thingName, jobId, url, nanoTime);
    }

    @Override
    public void downloadEnd(String thingName, String jobId, long bytes, long nanoTime) {
        first.downloadEnd(thingName, jobId, bytes, nanoTime);
        second.downloadEnd(thingName, jobId, bytes, nanoTime);
    }

    @Override
    public void downloadFailed(String thingName, String jobId, String reason, long nanoTime) {
        first.downloadFailed(thingName, jobId, reason, nanoTime);
        second.downloadFailed(thingName, jobId, reason, nanoTime);
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        first.statusReported(thingName, jobId, status, nanoTime);
        second.statusReported(thingName, jobId, status, nanoTime);
    }

    @Override
    public void messageSent(String thingName, String topic, byte[] payload, long nanoTime) {
        first.messageSent(thingName, topic, payload, nanoTime);
        second.messageSent(thingName, topic, payload, nanoTime);
    }

    @Override
    public void messageReceived(String thingName, String topic, byte[] payload, long nanoTime) {
        first.messageReceived(thingName, topic, payload, nanoTime);
        second.messageReceived(thingName, topic, payload, nanoTime);
    }

    @Override
    public void jobCanceled(String thingName, String jobId, long executionNumber, long nanoTime) {
        first.jobCanceled(thingName, jobId, executionNumber, nanoTime);
        second.jobCanceled(thingName, jobId, executionNumber, nanoTime);
    }
}

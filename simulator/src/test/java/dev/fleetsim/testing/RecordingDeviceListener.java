package dev.fleetsim.testing;

import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.RejectedErrorCode;
import java.util.ArrayList;
import java.util.List;

/** Records device events as short strings, in order ("thing status SUCCEEDED", "thing rejected VersionMismatch"). */
public final class RecordingDeviceListener implements DeviceListener {
    private final List<String> events = new ArrayList<>();

    private synchronized void add(String event) {
        events.add(event);
        notifyAll();
    }

    public synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** Waits until an event equal to {@code event} was recorded. */
    public synchronized void await(String event, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!events.contains(event)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no event '" + event + "' within " + millis + " ms; got " + events);
            }
            wait(left);
        }
    }

    /** Waits until {@code event} was recorded at least {@code times} times. */
    public synchronized void awaitCount(String event, long times, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (count(event) < times) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError(
                        "'" + event + "' not " + times + " times within " + millis + " ms; got " + events);
            }
            wait(left);
        }
    }

    public synchronized long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    @Override
    public void ready(String thingName, long nanoTime) {
        add(thingName + " ready");
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        add(thingName + " connectFailed " + cause);
    }

    @Override
    public void connectStart(String thingName, long nanoTime) {
        add(thingName + " connectStart");
    }

    @Override
    public void disconnected(String thingName, long nanoTime) {
        add(thingName + " disconnected");
    }

    @Override
    public void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {
        add(thingName + " received " + jobId + "#" + executionNumber);
    }

    @Override
    public void duplicateIgnored(String thingName, String jobId, long executionNumber, long nanoTime) {
        add(thingName + " duplicate " + jobId + "#" + executionNumber);
    }

    @Override
    public void requestRejected(String thingName, JobsTopic.Operation operation, RejectedErrorCode code, long t) {
        add(thingName + " rejected " + code);
    }

    @Override
    public void requestTimedOut(String thingName, JobsTopic.Operation operation, long nanoTime) {
        add(thingName + " timed out " + operation);
    }

    @Override
    public void phaseStart(String thingName, String jobId, String phase, long nanoTime) {
        add(thingName + " phase " + phase);
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        add(thingName + " status " + jobId + " " + status);
    }

    @Override
    public void jobCanceled(String thingName, String jobId, long executionNumber, long nanoTime) {
        add(thingName + " canceled " + jobId + "#" + executionNumber);
    }
}

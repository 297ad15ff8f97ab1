package dev.fleetsim.device;

import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.StartNextPendingJobExecutionRequest;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import dev.fleetsim.net.Backoff;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The Jobs requests a device has in flight, matched to their answers by client token (spec §2.1): every attempt
 * carries a fresh token; an answer that does not come within the answer timeout sends the request again (as the AWS
 * IoT Device Client does), and throttled or failed ones are sent again after the device's {@link Backoff}.
 *
 * <p>Loop-confined.
 */
final class RequestTracker {
    /** A request in flight, by its attempt's token. */
    record Pending(JobsTopic topic, Object request, int attempt, ScheduledFuture<?> timeout) {}

    private final String thingName;
    private final EventLoop loop;
    private final DeviceSession session;
    private final DeviceListener listener;
    private final Backoff backoff;
    private final Duration answerTimeout;
    /** Whether the device may send now (not offline or stopped); resends wait for nothing else. */
    private final BooleanSupplier mayResend;

    /** Sized for the few requests a device has in flight (not the default 16 slots: a fleet holds millions). */
    private final Map<String, Pending> pending = new HashMap<>(4);

    private long tokens;

    RequestTracker(
            String thingName,
            EventLoop loop,
            DeviceSession session,
            DeviceListener listener,
            Backoff backoff,
            Duration answerTimeout,
            BooleanSupplier mayResend) {
        this.thingName = thingName;
        this.loop = loop;
        this.session = session;
        this.listener = listener;
        this.backoff = backoff;
        this.answerTimeout = answerTimeout;
        this.mayResend = mayResend;
    }

    void send(JobsTopic topic, Object request) {
        assert loop.inEventLoop();
        send(topic, request, 0);
    }

    private void send(JobsTopic topic, Object request, int attempt) {
        assert loop.inEventLoop();
        String token = Long.toString(++tokens, 36);
        ScheduledFuture<?> timeout =
                loop.schedule(() -> timedOut(token), answerTimeout.toNanos(), TimeUnit.NANOSECONDS);
        pending.put(token, new Pending(topic, request, attempt, timeout));
        listener.requestSent(thingName, topic.operation(), System.nanoTime());
        session.publish(topic.toString(), JobsJson.write(withToken(request, token)));
    }

    private static Object withToken(Object request, String token) {
        if (request instanceof UpdateJobExecutionRequest u) {
            return new UpdateJobExecutionRequest(
                    u.status(),
                    u.statusDetails(),
                    u.expectedVersion(),
                    u.executionNumber(),
                    u.includeJobExecutionState(),
                    u.includeJobDocument(),
                    u.stepTimeoutInMinutes(),
                    token);
        }
        if (request instanceof DescribeJobExecutionRequest d) {
            return new DescribeJobExecutionRequest(d.executionNumber(), d.includeJobDocument(), token);
        }
        if (request instanceof StartNextPendingJobExecutionRequest n) {
            return new StartNextPendingJobExecutionRequest(n.statusDetails(), n.stepTimeoutInMinutes(), token);
        }
        return request;
    }

    /** The request an answer's token names, no longer in flight; null for an unknown or missing token. */
    Pending answered(String token) {
        assert loop.inEventLoop();
        Pending request = token == null ? null : pending.remove(token);
        if (request != null) {
            request.timeout().cancel(false);
        }
        return request;
    }

    /** Sends {@code request} again with a fresh token after the backoff of its next attempt. */
    void resendLater(Pending request) {
        assert loop.inEventLoop();
        int attempt = request.attempt() + 1;
        loop.schedule(
                () -> {
                    if (mayResend.getAsBoolean()) {
                        send(request.topic(), request.request(), attempt);
                    }
                },
                backoff.delayMillis(attempt),
                TimeUnit.MILLISECONDS);
    }

    private void timedOut(String token) {
        assert loop.inEventLoop();
        Pending request = pending.remove(token);
        if (request == null || !mayResend.getAsBoolean()) {
            return;
        }
        listener.requestTimedOut(thingName, request.topic().operation(), System.nanoTime());
        send(request.topic(), request.request(), request.attempt() + 1);
    }

    /** Whether an update is waiting for its answer. */
    boolean updateInFlight() {
        assert loop.inEventLoop();
        return pending.values().stream().anyMatch(p -> p.topic().operation() == JobsTopic.Operation.UPDATE);
    }

    /** Forgets every request in flight (the connection dropped, the device went offline). */
    void clear() {
        assert loop.inEventLoop();
        pending.values().forEach(p -> p.timeout().cancel(false));
        pending.clear();
    }
}

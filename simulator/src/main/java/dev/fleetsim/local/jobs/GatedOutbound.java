package dev.fleetsim.local.jobs;

import java.util.ArrayList;
import java.util.List;

/**
 * The service's outbound messages, held while the state they report is not yet durable: the engine thread queues
 * each task's answers and notifications here, and they go out, in order, once the journal has the task's changes on
 * disk. Without a journal everything passes straight through. Engine thread only, except the returned releases.
 */
final class GatedOutbound implements JobsOutbound {
    private static final Runnable NOTHING = () -> {};

    private final JobsOutbound target;
    private boolean holding;
    private List<Runnable> held = new ArrayList<>();

    GatedOutbound(JobsOutbound target) {
        this.target = target;
    }

    /** From now on, messages wait for {@link #release()}. */
    void hold() {
        holding = true;
    }

    @Override
    public void toClient(String clientId, String topic, byte[] payload) {
        if (holding) {
            held.add(() -> target.toClient(clientId, topic, payload));
        } else {
            target.toClient(clientId, topic, payload);
        }
    }

    @Override
    public void publish(String topic, byte[] payload) {
        if (holding) {
            held.add(() -> target.publish(topic, payload));
        } else {
            target.publish(topic, payload);
        }
    }

    /** What the task so far sent, as one action that sends it (on whatever thread runs it). */
    Runnable release() {
        if (held.isEmpty()) {
            return NOTHING;
        }
        List<Runnable> out = held;
        held = new ArrayList<>();
        return () -> out.forEach(Runnable::run);
    }
}

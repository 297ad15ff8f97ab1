package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Records what the Jobs service publishes, in order. */
final class RecordingOutbound implements JobsOutbound {

    /** One message: {@code clientId} is null for a publish to subscribers. */
    record Message(String clientId, String topic, JsonNode json) {}

    private final List<Message> messages = new ArrayList<>();

    @Override
    public synchronized void toClient(String clientId, String topic, byte[] payload) {
        messages.add(new Message(clientId, topic, JobsJson.readTree(new String(payload, StandardCharsets.UTF_8))));
    }

    @Override
    public synchronized void publish(String topic, byte[] payload) {
        messages.add(new Message(null, topic, JobsJson.readTree(new String(payload, StandardCharsets.UTF_8))));
    }

    /** Everything recorded since the last call. */
    synchronized List<Message> take() {
        List<Message> copy = List.copyOf(messages);
        messages.clear();
        return copy;
    }
}

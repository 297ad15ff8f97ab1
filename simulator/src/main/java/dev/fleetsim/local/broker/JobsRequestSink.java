package dev.fleetsim.local.broker;

/** Receives device publishes to {@code $aws/things/+/jobs/...}; must not block (it runs on a broker thread). */
@FunctionalInterface
public interface JobsRequestSink {
    void onDeviceRequest(String clientId, String topic, byte[] payload);
}

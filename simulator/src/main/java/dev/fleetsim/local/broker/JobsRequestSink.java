package dev.fleetsim.local.broker;

/**
 * Receives device publishes to {@code $aws/things/+/jobs/...} and the fleet-provisioning topics; must not block (it
 * runs on a broker thread).
 */
@FunctionalInterface
public interface JobsRequestSink {
    /**
     * @param certificateId the certificate the connection authenticated with, or null on the plain listener
     */
    void onDeviceRequest(String clientId, String certificateId, String topic, byte[] payload);
}

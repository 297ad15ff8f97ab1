package dev.fleetsim.local.jobs;

/**
 * Where the Jobs service sends what it publishes. The broker adapter implements it over HiveMQ's publish service;
 * implementations must not block and must not throw.
 */
public interface JobsOutbound {

    /**
     * An answer ({@code /accepted}, {@code /rejected}) to the requesting connection only: AWS delivers answers to the
     * publisher even when it never subscribed, and to nobody else (spec §2.1).
     */
    void toClient(String clientId, String topic, byte[] payload);

    /** A notification or event, delivered to whoever subscribed to the topic. */
    void publish(String topic, byte[] payload);
}

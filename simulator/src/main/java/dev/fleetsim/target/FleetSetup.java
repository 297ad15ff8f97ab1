package dev.fleetsim.target;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import java.util.List;
import java.util.function.Function;

/**
 * How a target that is shared with others (an AWS account) wants a run's resources made: named after the run, paced
 * under its quotas, recorded as they are made so that cleanup finds them, given identities the way the run chose. The
 * local stack has none: a run there makes things and certificates directly.
 *
 * <p>Thread-safe.
 */
public interface FleetSetup {
    /** What goes before every name the run gives a thing, a group or a job. */
    String prefix();

    /**
     * Creates every thing and gives it its identity (certificate, policy, principal), as many at once as the quotas
     * allow; returns each thing's MQTT TLS configuration.
     */
    Function<String, MqttClientSslConfig> provision(List<String> thingNames) throws Exception;

    /** Creates a thing group marked as the run's and returns its ARN. */
    String createGroup(String name);

    /** Marks a CreateJob request as the run's (tags) and records the job, before the request is sent. */
    void markJob(ObjectNode createJobRequest);

    /** MQTT CONNECTs per second the fleet may make (the account's quota), or 0 for no limit. */
    double connectsPerSecond();
}

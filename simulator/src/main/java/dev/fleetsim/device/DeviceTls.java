package dev.fleetsim.device;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import java.util.function.Function;

/**
 * TLS for devices: a per-thing SSL configuration (mTLS with that thing's certificate), or one shared for all things.
 */
@FunctionalInterface
public interface DeviceTls {
    MqttClientSslConfig forThing(String thingName);

    static DeviceTls perThing(Function<String, MqttClientSslConfig> configs) {
        return configs::apply;
    }
}

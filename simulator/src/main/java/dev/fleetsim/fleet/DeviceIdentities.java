package dev.fleetsim.fleet;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.device.DeviceTls;
import dev.fleetsim.net.ParallelCalls;
import dev.fleetsim.pki.Pem;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;

/**
 * Per-thing device identities minted through a control plane as an operator mints them: CreateKeysAndCertificate (an
 * ACTIVE certificate and its key) and AttachThingPrincipal, a few calls at a time. The one way the runner, the
 * benchmarks and the tests give an mTLS fleet its identities.
 */
public final class DeviceIdentities {
    /** Calls in flight at once: enough to hide a round trip, few enough to stay under a control plane's quota. */
    private static final int PARALLEL_CALLS = 4;

    private DeviceIdentities() {}

    /**
     * Mints and attaches a certificate for every thing; the devices trust {@code trustAnchor} for the server's
     * certificate.
     */
    public static DeviceTls mint(IotClient iot, List<String> things, X509Certificate trustAnchor)
            throws InterruptedException, ExecutionException {
        TrustManagerFactory trust = Pem.trust(trustAnchor);
        Map<String, MqttClientSslConfig> configs = new ConcurrentHashMap<>();
        ParallelCalls.map("fleetsim-identities", PARALLEL_CALLS, things, thing -> {
            CreateKeysAndCertificateResponse keys = iot.createKeysAndCertificate(r -> r.setAsActive(true));
            iot.attachThingPrincipal(r -> r.thingName(thing).principal(keys.certificateArn()));
            return configs.put(thing, Pem.mtls(keys.keyPair().privateKey(), keys.certificatePem(), trust));
        });
        return configs::get;
    }
}

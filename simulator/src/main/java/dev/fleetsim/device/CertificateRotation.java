package dev.fleetsim.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.net.BlockingWork;
import dev.fleetsim.pki.Pem;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificate rotation as a job (spec §9) through the fleet-provisioning MQTT API:
 *
 * <pre>
 *   new key + CSR (off the loop) ─► subscribe, then CreateCertificateFromCsr ─► RegisterThing with the ownership token
 *        ─► the device reconnects with the new certificate and reports from the new connection
 * </pre>
 *
 * Subscribes before publishing: fleet-provisioning answers are lost otherwise (§9). Loop-confined.
 */
final class CertificateRotation {
    static final String CREATE_FROM_CSR = "$aws/certificates/create-from-csr/json";
    static final String PROVISION = "$aws/provisioning-templates/fleetsim-rotation/provision/json";

    /** What the rotation tells the device. */
    interface Outcome {
        /** CreateCertificateFromCsr answered with the new certificate's id. */
        void issued(String certificateId);

        /** RegisterThing accepted: the device reconnects with {@code tls} from now on. */
        void registered(MqttClientSslConfig tls);

        /** A step was refused; the job fails with {@code reason}. */
        void failed(String reason);
    }

    private final String thingName;
    private final EventLoop loop;
    private final DeviceSession session;
    private final Outcome outcome;
    /** The new private key until its certificate arrives; null when no rotation is under way. */
    private String key;

    private String certificatePem;
    /** Counts rotations started and abandoned: work that completes off the loop for an older one is dropped. */
    private int attempt;

    CertificateRotation(String thingName, EventLoop loop, DeviceSession session, Outcome outcome) {
        this.thingName = thingName;
        this.loop = loop;
        this.session = session;
        this.outcome = outcome;
    }

    static boolean handles(String topic) {
        return topic.startsWith(CREATE_FROM_CSR) || topic.startsWith(PROVISION);
    }

    /**
     * Starts a rotation: key generation and building the new TLS identity run off the loop (both read the kernel's
     * entropy or build key stores), the MQTT steps on it.
     */
    void start() {
        assert loop.inEventLoop();
        int mine = ++attempt;
        BlockingWork.shared().submit(() -> Pem.newKeyAndCsr(thingName), loop).whenComplete((keyAndCsr, error) -> {
            if (mine != attempt) {
                return; // abandoned meanwhile
            }
            if (error != null) {
                outcome.failed("certificate rotation: cannot make a key: " + error.getMessage());
                return;
            }
            key = keyAndCsr[0];
            String csr = keyAndCsr[1];
            session.subscribe(List.of(CREATE_FROM_CSR + "/+", PROVISION + "/+")).whenComplete((ack, failure) -> {
                if (failure == null && key != null) {
                    ObjectNode request = JobsJson.mapper().createObjectNode().put("certificateSigningRequest", csr);
                    session.publish(CREATE_FROM_CSR, JobsJson.write(request));
                }
            });
        });
    }

    /** Forgets a rotation under way (the work was dropped). */
    void abandon() {
        assert loop.inEventLoop();
        attempt++;
        key = null;
    }

    void onMessage(String topic, byte[] payload, TrustManagerFactory trust) {
        assert loop.inEventLoop();
        if (key == null) {
            return;
        }
        JsonNode answer = JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
        if (topic.endsWith("/rejected")) {
            key = null;
            outcome.failed("certificate rotation: " + answer.path("errorCode").asText() + " "
                    + answer.path("errorMessage").asText());
            return;
        }
        if (topic.equals(CREATE_FROM_CSR + "/accepted")) {
            outcome.issued(answer.path("certificateId").asText());
            certificatePem = answer.path("certificatePem").asText();
            ObjectNode register = JobsJson.mapper().createObjectNode();
            register.put(
                    "certificateOwnershipToken",
                    answer.path("certificateOwnershipToken").asText());
            register.putObject("parameters").put("ThingName", thingName);
            session.publish(PROVISION, JobsJson.write(register));
        } else if (topic.equals(PROVISION + "/accepted")) {
            String privateKey = key;
            String certificate = certificatePem;
            key = null;
            int mine = attempt;
            BlockingWork.shared()
                    .submit(() -> Pem.mtls(privateKey, certificate, trust), loop)
                    .whenComplete((tls, error) -> {
                        if (mine != attempt) {
                            return;
                        }
                        if (error != null) {
                            outcome.failed(
                                    "certificate rotation: cannot use the new certificate: " + error.getMessage());
                        } else {
                            outcome.registered(tls);
                        }
                    });
        }
    }
}

package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The fleet-provisioning MQTT API (spec §9), enough for certificate rotation: {@code $aws/certificates/create/json},
 * {@code $aws/certificates/create-from-csr/json} and {@code $aws/provisioning-templates/<name>/provision/json}. New
 * certificates are PENDING_ACTIVATION until RegisterThing activates them and attaches them to the thing named in
 * {@code parameters.ThingName} (or {@code SerialNumber}), creating it when missing; the ownership token lasts an hour.
 * Errors are {@code {"statusCode", "errorCode", "errorMessage"}}. Engine thread only.
 */
final class ProvisioningApi {
    static final String CERTIFICATES = "$aws/certificates/";
    static final String TEMPLATES = "$aws/provisioning-templates/";
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

    private final JobsEngine engine;
    private final JobsOutbound outbound;
    private final CertificateIssuer issuer;
    /** ownership token → certificate id and expiry. */
    private final Map<String, Token> tokens = new HashMap<>();

    private record Token(String certificateId, Instant expires) {}

    ProvisioningApi(JobsEngine engine, JobsOutbound outbound, CertificateIssuer issuer) {
        this.engine = engine;
        this.outbound = outbound;
        this.issuer = issuer;
    }

    static boolean handles(String topic) {
        return topic.startsWith(CERTIFICATES) || topic.startsWith(TEMPLATES);
    }

    void handle(String clientId, String topic, byte[] payload) {
        try {
            JsonNode request = payload == null || payload.length == 0
                    ? JobsJson.mapper().createObjectNode()
                    : JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
            ObjectNode answer;
            if (topic.equals(CERTIFICATES + "create/json")) {
                answer = create();
            } else if (topic.equals(CERTIFICATES + "create-from-csr/json")) {
                answer = createFromCsr(request);
            } else if (topic.startsWith(TEMPLATES) && topic.endsWith("/provision/json")) {
                answer = register(request);
            } else if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                return; // answer topics are the service's
            } else {
                throw new ProvisioningException(404, "NotFound", "no fleet-provisioning API at " + topic);
            }
            outbound.toClient(clientId, topic + "/accepted", JobsJson.write(answer));
        } catch (ProvisioningException e) {
            ObjectNode error = JobsJson.mapper().createObjectNode();
            error.put("statusCode", e.status);
            error.put("errorCode", e.code);
            error.put("errorMessage", e.getMessage());
            outbound.toClient(clientId, topic + "/rejected", JobsJson.write(error));
        } catch (IllegalArgumentException e) {
            ObjectNode error = JobsJson.mapper().createObjectNode();
            error.put("statusCode", 400);
            error.put("errorCode", "InvalidPayload");
            error.put("errorMessage", e.getMessage());
            outbound.toClient(clientId, topic + "/rejected", JobsJson.write(error));
        }
        engine.flush();
    }

    private ObjectNode create() {
        CertificateIssuer.Issued issued = requireIssuer().issue();
        ObjectNode out = register(issued);
        out.put("privateKey", issued.privateKeyPem());
        return out;
    }

    private ObjectNode createFromCsr(JsonNode request) {
        String csr = request.path("certificateSigningRequest").asText(null);
        if (csr == null) {
            throw new ProvisioningException(400, "InvalidPayload", "certificateSigningRequest is required");
        }
        return register(requireIssuer().issueFromCsr(csr));
    }

    private ObjectNode register(CertificateIssuer.Issued issued) {
        Registry.Certificate certificate = new Registry.Certificate(
                issued.certificateId(),
                engine.arns().certificate(issued.certificateId()),
                issued.certificatePem(),
                "PENDING_ACTIVATION",
                engine.now());
        engine.registry().putCertificate(certificate);
        String token = UUID.randomUUID().toString();
        tokens.put(token, new Token(certificate.id(), engine.now().plus(TOKEN_LIFETIME)));
        ObjectNode out = JobsJson.mapper().createObjectNode();
        out.put("certificateId", certificate.id());
        out.put("certificatePem", certificate.pem());
        out.put("certificateOwnershipToken", token);
        return out;
    }

    private ObjectNode register(JsonNode request) {
        String token = request.path("certificateOwnershipToken").asText("");
        Token owned = tokens.remove(token);
        if (owned == null || owned.expires().isBefore(engine.now())) {
            throw new ProvisioningException(
                    400, "InvalidCertificateOwnershipToken", "the certificate ownership token is unknown or expired");
        }
        JsonNode parameters = request.path("parameters");
        String thingName = parameters
                .path("ThingName")
                .asText(parameters.path("SerialNumber").asText(""));
        if (!JobsTopic.isValidThingName(thingName)) {
            throw new ProvisioningException(
                    400, "InvalidParameters", "parameters.ThingName must be a valid thing name");
        }
        Registry registry = engine.registry();
        Registry.Thing thing = registry.findThing(thingName);
        if (thing == null) {
            thing = registry.createThing(thingName, null, Map.of());
        }
        Registry.Certificate certificate = registry.findCertificate(owned.certificateId());
        registry.setCertificateStatus(certificate, "ACTIVE");
        registry.attach(thing, certificate, true);
        ObjectNode out = JobsJson.mapper().createObjectNode();
        out.putObject("deviceConfiguration");
        out.put("thingName", thingName);
        return out;
    }

    private CertificateIssuer requireIssuer() {
        if (issuer == null) {
            throw new ProvisioningException(503, "ServiceUnavailable", "no certificate authority is configured");
        }
        return issuer;
    }

    private static final class ProvisioningException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        ProvisioningException(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}

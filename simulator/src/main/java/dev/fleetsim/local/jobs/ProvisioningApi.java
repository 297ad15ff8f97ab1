package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.policy.DefaultPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
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

    /** New certificates one device certificate may ask for per minute (a device rotates once in a long while). */
    static final int CERTIFICATES_PER_MINUTE = 10;

    /** Requesting certificate id → when it was last issued certificates, within the last minute. */
    private final Map<String, Deque<Instant>> issued = new HashMap<>();

    ProvisioningApi(JobsEngine engine, JobsOutbound outbound, CertificateIssuer issuer) {
        this.engine = engine;
        this.outbound = outbound;
        this.issuer = issuer;
    }

    static boolean handles(String topic) {
        return topic.startsWith(CERTIFICATES) || topic.startsWith(TEMPLATES);
    }

    /**
     * One fleet-provisioning request. {@code certificateId} is the certificate the connection authenticated with, or
     * null on the plain listener, where fleet provisioning is refused: a certificate is minted and attached only for
     * a connection that proves it is a device (the broker's policy check has already allowed the topic).
     */
    void handle(String clientId, String certificateId, String topic, byte[] payload) {
        try {
            if (topic.endsWith("/accepted") || topic.endsWith("/rejected")) {
                return; // answer topics are the service's
            }
            if (certificateId == null) {
                throw new ProvisioningException(
                        403,
                        "AccessDenied",
                        "fleet provisioning needs a connection authenticated with a certificate (MQTT over TLS)");
            }
            JsonNode request = payload == null || payload.length == 0
                    ? JobsJson.mapper().createObjectNode()
                    : JobsJson.readTree(new String(payload, StandardCharsets.UTF_8));
            ObjectNode answer;
            if (topic.equals(CERTIFICATES + "create/json")) {
                throttle(certificateId);
                answer = create();
            } else if (topic.equals(CERTIFICATES + "create-from-csr/json")) {
                throttle(certificateId);
                answer = createFromCsr(request);
            } else if (topic.startsWith(TEMPLATES) && topic.endsWith("/provision/json")) {
                String template = topic.substring(TEMPLATES.length(), topic.length() - "/provision/json".length());
                if (!template.equals(DefaultPolicy.ROTATION_TEMPLATE)) {
                    throw new ProvisioningException(
                            404,
                            "ResourceNotFound",
                            "no provisioning template named " + template + " (the local stack has "
                                    + DefaultPolicy.ROTATION_TEMPLATE + ")");
                }
                answer = register(request, certificateId);
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

    /**
     * RegisterThing through the rotation template: the new certificate joins a thing the requesting connection's
     * certificate is already attached to (a device rotating its own certificate); it creates no thing.
     */
    private ObjectNode register(JsonNode request, String requester) {
        JsonNode parameters = request.path("parameters");
        String thingName = parameters
                .path("ThingName")
                .asText(parameters.path("SerialNumber").asText(""));
        if (!JobsTopic.isValidThingName(thingName)) {
            throw new ProvisioningException(
                    400, "InvalidParameters", "parameters.ThingName must be a valid thing name");
        }
        Registry registry = engine.registry();
        Registry.Certificate caller = registry.findCertificate(requester);
        if (caller == null || !caller.things().contains(thingName)) {
            throw new ProvisioningException(
                    403,
                    "AccessDenied",
                    "the connection's certificate is not attached to " + thingName
                            + "; a device registers a new certificate only for its own thing");
        }
        Registry.Thing thing = registry.findThing(thingName);
        if (thing == null) {
            throw new ProvisioningException(404, "ResourceNotFound", "thing " + thingName + " does not exist");
        }
        String token = request.path("certificateOwnershipToken").asText("");
        Token owned = tokens.remove(token);
        if (owned == null || owned.expires().isBefore(engine.now())) {
            throw new ProvisioningException(
                    400, "InvalidCertificateOwnershipToken", "the certificate ownership token is unknown or expired");
        }
        Registry.Certificate certificate = registry.findCertificate(owned.certificateId());
        registry.setCertificateStatus(certificate, "ACTIVE");
        registry.attach(thing, certificate, true);
        ObjectNode out = JobsJson.mapper().createObjectNode();
        out.putObject("deviceConfiguration");
        out.put("thingName", thingName);
        return out;
    }

    /** At most {@link #CERTIFICATES_PER_MINUTE} new certificates per minute for one requesting certificate. */
    private void throttle(String certificateId) {
        Instant now = engine.now();
        tokens.values().removeIf(t -> t.expires().isBefore(now)); // forget expired ownership tokens
        Deque<Instant> recent = issued.computeIfAbsent(certificateId, k -> new ArrayDeque<>());
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(Duration.ofMinutes(1)))) {
            recent.pollFirst();
        }
        if (recent.size() >= CERTIFICATES_PER_MINUTE) {
            throw new ProvisioningException(
                    429,
                    "Throttling",
                    "at most " + CERTIFICATES_PER_MINUTE + " certificates a minute for one device certificate");
        }
        recent.addLast(now);
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

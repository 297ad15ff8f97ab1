package dev.fleetsim.local.controlplane;

import static dev.fleetsim.local.controlplane.Params.JSON;
import static dev.fleetsim.local.controlplane.Params.bool;
import static dev.fleetsim.local.controlplane.Params.page;
import static dev.fleetsim.local.controlplane.Params.seconds;
import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.local.jobs.ApiException;
import dev.fleetsim.local.jobs.CertificateIssuer;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.LocalEndpoints;
import dev.fleetsim.local.jobs.Registry;
import dev.fleetsim.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Device identities: CreateKeysAndCertificate (the local CA issues), Describe/List/Update/DeleteCertificate,
 * Attach/Detach/ListThingPrincipals, and DescribeEndpoint.
 */
final class IdentitiesApi {
    private final JobsEngine engine;
    private final CertificateIssuer issuer;
    private final LocalEndpoints endpoints;

    IdentitiesApi(JobsEngine engine, CertificateIssuer issuer, LocalEndpoints endpoints) {
        this.engine = engine;
        this.issuer = issuer;
        this.endpoints = endpoints;
    }

    void register(ControlPlane.Routes routes) {
        routes.add("POST", "/keys-and-certificate", "CreateKeysAndCertificate", this::createKeysAndCertificate);
        routes.add("GET", "/certificates/{certificateId}", "DescribeCertificate", this::describe);
        routes.add("GET", "/certificates", "ListCertificates", this::list);
        routes.add("PUT", "/certificates/{certificateId}", "UpdateCertificate", this::update);
        routes.add("DELETE", "/certificates/{certificateId}", "DeleteCertificate", this::delete);
        routes.add("PUT", "/things/{thingName}/principals", "AttachThingPrincipal", (r, p) -> principal(r, p, true));
        routes.add(
                "DELETE", "/things/{thingName}/principals", "DetachThingPrincipal", (r, p) -> principal(r, p, false));
        routes.add("GET", "/things/{thingName}/principals", "ListThingPrincipals", this::principals);
        routes.add("GET", "/endpoint", "DescribeEndpoint", this::endpoint);
        routes.add("GET", "/registrationcode", "GetRegistrationCode", this::registrationCode);
        routes.add("POST", "/cacertificate", "RegisterCACertificate", this::registerCa);
        routes.add("GET", "/cacertificate/{caCertificateId}", "DescribeCACertificate", this::describeCa);
        routes.add("PUT", "/cacertificate/{caCertificateId}", "UpdateCACertificate", this::updateCa);
        routes.add("DELETE", "/cacertificate/{caCertificateId}", "DeleteCACertificate", this::deleteCa);
        routes.add("GET", "/cacertificates", "ListCACertificates", this::listCas);
        routes.add("GET", "/certificates-by-ca/{caCertificateId}", "ListCertificatesByCA", this::listByCa);
        routes.add("POST", "/certificate/register", "RegisterCertificate", (r, p) -> register(r, true));
        routes.add("POST", "/certificate/register-no-ca", "RegisterCertificateWithoutCA", (r, p) -> register(r, false));
    }

    // ------------------------------------------------------------------ registering certificates made elsewhere

    /**
     * The account's registration code: a CA's verification certificate must carry it as its common name. Derived from
     * the account, so it stays the same across restarts, as AWS's does until deleted.
     */
    private String registrationCode() {
        String seed = "fleetsim-registration-code:" + engine.arns().accountId();
        return HexFormat.of().formatHex(sha256(seed.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonNode registrationCode(ApiRequest r, Map<String, String> p) {
        return JSON.createObjectNode().put("registrationCode", registrationCode());
    }

    private static X509Certificate parse(JsonNode pem, String field) {
        if (pem == null || !pem.isTextual() || pem.asText().isBlank()) {
            throw invalidRequest(field + " is required");
        }
        if (pem.asText().length() > 65_536) {
            throw invalidRequest(field + " is longer than 65536 characters");
        }
        try {
            return Pem.certificate(pem.asText());
        } catch (RuntimeException e) {
            throw new ApiException(400, "CertificateValidationException", field + " is not a PEM X.509 certificate");
        }
    }

    private static void checkValidity(X509Certificate certificate, Instant now, String field) {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (GeneralSecurityException e) {
            throw new ApiException(400, "CertificateValidationException", field + " is expired or not yet valid");
        }
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String initialStatus(ApiRequest r) {
        String status = r.body().path("status").asText(r.queryParam("status"));
        if (status == null || status.isEmpty()) {
            return bool(r, "setAsActive") || r.body().path("setAsActive").asBoolean(false) ? "ACTIVE" : "INACTIVE";
        }
        if (!Set.of("ACTIVE", "INACTIVE", "REVOKED", "PENDING_TRANSFER", "PENDING_ACTIVATION")
                .contains(status)) {
            throw invalidRequest("status must be ACTIVE, INACTIVE, REVOKED, PENDING_TRANSFER or PENDING_ACTIVATION");
        }
        return status;
    }

    /** RegisterCACertificate: DEFAULT mode proves possession with a verification certificate naming the code. */
    private JsonNode registerCa(ApiRequest r, Map<String, String> p) {
        X509Certificate ca = parse(r.body().get("caCertificate"), "caCertificate");
        checkValidity(ca, engine.now(), "caCertificate");
        if (ca.getBasicConstraints() < 0) {
            throw new ApiException(400, "CertificateValidationException", "caCertificate is not a CA certificate");
        }
        String mode = r.body().path("certificateMode").asText("DEFAULT");
        if (!mode.equals("DEFAULT") && !mode.equals("SNI_ONLY")) {
            throw invalidRequest("certificateMode must be DEFAULT or SNI_ONLY");
        }
        if (mode.equals("DEFAULT")) {
            X509Certificate verification = parse(r.body().get("verificationCertificate"), "verificationCertificate");
            String subject = verification.getSubjectX500Principal().getName();
            if (!signedBy(verification, ca) || !subject.contains("CN=" + registrationCode())) {
                throw new ApiException(
                        400,
                        "CertificateValidationException",
                        "the verification certificate must be signed by the CA and have the registration code as its"
                                + " common name");
            }
        }
        String id = Pem.certificateId(ca);
        if (engine.registry().findCaCertificate(id) != null) {
            throw new ApiException(
                    409,
                    "ResourceAlreadyExistsException",
                    "The certificate is already provisioned or registered",
                    id,
                    engine.arns().caCertificate(id));
        }
        Registry.Certificate registered = new Registry.Certificate(
                id,
                engine.arns().caCertificate(id),
                r.body().get("caCertificate").asText(),
                bool(r, "setAsActive") ? "ACTIVE" : "INACTIVE",
                engine.now(),
                null,
                mode);
        engine.registry().putCaCertificate(registered);
        engine.tags().tag(registered.arn(), Params.tags(r.body()));
        return JSON.createObjectNode().put("certificateArn", registered.arn()).put("certificateId", id);
    }

    private Registry.Certificate ca(String id) {
        Registry.Certificate c = engine.registry().findCaCertificate(id);
        if (c == null) {
            throw notFound("CA certificate " + id + " cannot be found.");
        }
        return c;
    }

    private JsonNode describeCa(ApiRequest r, Map<String, String> p) {
        ObjectNode out = description(ca(p.get("caCertificateId")));
        ((ObjectNode) out.get("certificateDescription")).put("autoRegistrationStatus", "DISABLE");
        return out;
    }

    private JsonNode updateCa(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = ca(p.get("caCertificateId"));
        String status = r.queryParam("newStatus");
        if (status != null) {
            if (!Set.of("ACTIVE", "INACTIVE").contains(status)) {
                throw invalidRequest("newStatus must be ACTIVE or INACTIVE");
            }
            engine.registry().setCaCertificateStatus(c, status);
        }
        return null;
    }

    private JsonNode deleteCa(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = ca(p.get("caCertificateId"));
        if ("ACTIVE".equals(c.status())) {
            throw new ApiException(
                    409, "CertificateStateException", "A CA certificate must be deactivated before deletion.");
        }
        engine.registry().removeCaCertificate(c);
        engine.tags().removed(c.arn());
        return null;
    }

    private JsonNode listCas(ApiRequest r, Map<String, String> p) {
        return summaries(new ArrayList<>(engine.registry().caCertificates()), r);
    }

    private JsonNode listByCa(ApiRequest r, Map<String, String> p) {
        String caId = ca(p.get("caCertificateId")).id();
        return summaries(
                engine.registry().certificates().stream()
                        .filter(c -> caId.equals(c.caCertificateId()))
                        .toList(),
                r);
    }

    /**
     * RegisterCertificate (signed by a registered CA, named in {@code caCertificatePem} or found by issuer) and
     * RegisterCertificateWithoutCA (any issuer; IoT Core then needs SNI, which every fleetsim device sends).
     */
    private JsonNode register(ApiRequest r, boolean withCa) {
        X509Certificate certificate = parse(r.body().get("certificatePem"), "certificatePem");
        checkValidity(certificate, engine.now(), "certificatePem");
        String caId = null;
        if (withCa) {
            Registry.Certificate ca = null;
            JsonNode caPem = r.body().get("caCertificatePem");
            if (caPem != null && !caPem.isNull()) {
                ca = engine.registry().findCaCertificate(Pem.certificateId(parse(caPem, "caCertificatePem")));
                if (ca == null) {
                    throw new ApiException(400, "CertificateValidationException", "caCertificatePem is not registered");
                }
            } else {
                for (Registry.Certificate candidate : engine.registry().caCertificates()) {
                    if (signedBy(certificate, Pem.certificate(candidate.pem()))) {
                        ca = candidate;
                        break;
                    }
                }
            }
            if (ca == null || !signedBy(certificate, Pem.certificate(ca.pem()))) {
                throw new ApiException(
                        400, "CertificateValidationException", "the certificate is not signed by a registered CA");
            }
            caId = ca.id();
        }
        String id = Pem.certificateId(certificate);
        if (engine.registry().findCertificate(id) != null) {
            throw new ApiException(
                    409,
                    "ResourceAlreadyExistsException",
                    "The certificate is already provisioned or registered",
                    id,
                    engine.arns().certificate(id));
        }
        Registry.Certificate registered = new Registry.Certificate(
                id,
                engine.arns().certificate(id),
                r.body().get("certificatePem").asText(),
                initialStatus(r),
                engine.now(),
                caId,
                withCa ? "DEFAULT" : "SNI_ONLY");
        engine.registry().putCertificate(registered);
        return JSON.createObjectNode().put("certificateArn", registered.arn()).put("certificateId", id);
    }

    private JsonNode createKeysAndCertificate(ApiRequest r, Map<String, String> p) {
        if (issuer == null) {
            throw new ApiException(503, "ServiceUnavailableException", "no certificate authority is configured");
        }
        CertificateIssuer.Issued issued = issuer.issue();
        Registry.Certificate certificate = new Registry.Certificate(
                issued.certificateId(),
                engine.arns().certificate(issued.certificateId()),
                issued.certificatePem(),
                bool(r, "setAsActive") ? "ACTIVE" : "INACTIVE",
                engine.now());
        engine.registry().putCertificate(certificate);
        ObjectNode out = JSON.createObjectNode();
        out.put("certificateArn", certificate.arn());
        out.put("certificateId", certificate.id());
        out.put("certificatePem", certificate.pem());
        ObjectNode keys = out.putObject("keyPair");
        keys.put("PublicKey", issued.publicKeyPem());
        keys.put("PrivateKey", issued.privateKeyPem());
        return out;
    }

    private Registry.Certificate certificate(String id) {
        Registry.Certificate c = engine.registry().findCertificate(id);
        if (c == null) {
            throw notFound("Certificate " + id + " cannot be found.");
        }
        return c;
    }

    private JsonNode describe(ApiRequest r, Map<String, String> p) {
        return description(certificate(p.get("certificateId")));
    }

    /** DescribeCertificate's and DescribeCACertificate's {@code certificateDescription}. */
    private ObjectNode description(Registry.Certificate c) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode d = out.putObject("certificateDescription");
        d.put("certificateArn", c.arn());
        d.put("certificateId", c.id());
        d.put("status", c.status());
        d.put("certificatePem", c.pem());
        d.put("ownedBy", engine.arns().accountId());
        d.put("creationDate", seconds(c.createdAt()));
        d.put("lastModifiedDate", seconds(c.createdAt()));
        d.put("certificateMode", c.mode());
        if (c.caCertificateId() != null) {
            d.put("caCertificateId", c.caCertificateId());
        }
        return out;
    }

    private JsonNode list(ApiRequest r, Map<String, String> p) {
        return summaries(new ArrayList<>(engine.registry().certificates()), r);
    }

    /**
     * ListCertificates, ListCACertificates and ListCertificatesByCA: pages by {@code pageSize} and {@code marker},
     * answering {@code nextMarker} (the model's names).
     */
    private static JsonNode summaries(List<Registry.Certificate> certificates, ApiRequest r) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("certificates");
        page(certificates, r, out, Params.Paging.MARKER)
                .forEach(c -> array.addObject()
                        .put("certificateArn", c.arn())
                        .put("certificateId", c.id())
                        .put("status", c.status())
                        .put("creationDate", seconds(c.createdAt())));
        return out;
    }

    private JsonNode update(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = certificate(p.get("certificateId"));
        String status = r.queryParam("newStatus");
        if (!Set.of("ACTIVE", "INACTIVE", "REVOKED").contains(status)) {
            throw invalidRequest("newStatus must be ACTIVE, INACTIVE or REVOKED");
        }
        engine.registry().setCertificateStatus(c, status);
        return null;
    }

    private JsonNode delete(ApiRequest r, Map<String, String> p) {
        Registry.Certificate c = certificate(p.get("certificateId"));
        if ("ACTIVE".equals(c.status())) {
            throw new ApiException(
                    409, "CertificateStateException", "Certificate must be deactivated before deletion.");
        }
        if (!c.things().isEmpty() && !bool(r, "forceDelete")) {
            throw new ApiException(409, "DeleteConflictException", "Certificate is attached to things.");
        }
        engine.registry().removeCertificate(c);
        return null;
    }

    private JsonNode principal(ApiRequest r, Map<String, String> p, boolean attach) {
        Registry.Thing thing = engine.registry().thing(p.get("thingName"));
        String principal = r.header("x-amzn-principal");
        if (principal == null || principal.isEmpty()) {
            throw invalidRequest("the x-amzn-principal header is required");
        }
        Registry.Certificate c = engine.registry().certificateByArn(principal);
        if (c == null) {
            throw notFound("Principal " + principal + " cannot be found.");
        }
        engine.registry().attach(thing, c, attach);
        return null;
    }

    private JsonNode principals(ApiRequest r, Map<String, String> p) {
        Registry.Thing thing = engine.registry().thing(p.get("thingName"));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("principals");
        page(new ArrayList<>(thing.principals()), r, out).forEach(array::add);
        return out;
    }

    private JsonNode endpoint(ApiRequest r, Map<String, String> p) {
        String type = r.queryParam("endpointType");
        String address = switch (type == null ? "iot:Data" : type) {
            case "iot:Data", "iot:Data-ATS", "iot:CredentialProvider" -> endpoints.mqttHost();
            case "iot:Jobs" -> endpoints.jobsDataPlaneHost();
            default -> throw invalidRequest("unknown endpointType " + type);
        };
        return JSON.createObjectNode().put("endpointAddress", address);
    }
}

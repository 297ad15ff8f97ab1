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
import java.util.ArrayList;
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
        Registry.Certificate c = certificate(p.get("certificateId"));
        ObjectNode out = JSON.createObjectNode();
        ObjectNode d = out.putObject("certificateDescription");
        d.put("certificateArn", c.arn());
        d.put("certificateId", c.id());
        d.put("status", c.status());
        d.put("certificatePem", c.pem());
        d.put("ownedBy", engine.arns().accountId());
        d.put("creationDate", seconds(c.createdAt()));
        d.put("lastModifiedDate", seconds(c.createdAt()));
        d.put("certificateMode", "DEFAULT");
        return out;
    }

    /** ListCertificates pages by {@code pageSize} and {@code marker}, answering {@code nextMarker} (the model's names). */
    private JsonNode list(ApiRequest r, Map<String, String> p) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode array = out.putArray("certificates");
        page(new ArrayList<>(engine.registry().certificates()), r, out, Params.Paging.MARKER)
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

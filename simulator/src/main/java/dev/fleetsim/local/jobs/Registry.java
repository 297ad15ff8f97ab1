package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import dev.fleetsim.jobs.JobsTopic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The thing registry: things, static thing groups, certificates and their attachments. Engine thread only, except
 * {@link #certificateStatus} which the broker reads from its own threads to authenticate mTLS clients.
 */
public final class Registry {
    static final Pattern GROUP_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    /** A thing. */
    static final class Thing {
        final String name;
        final String arn;
        final String id = UUID.randomUUID().toString();
        String thingTypeName;
        Map<String, String> attributes = new LinkedHashMap<>();
        long version = 1;
        final Set<String> groups = new LinkedHashSet<>();
        final Set<String> principals = new LinkedHashSet<>();

        Thing(String name, String arn) {
            this.name = name;
            this.arn = arn;
        }
    }

    /** A static thing group. */
    static final class Group {
        final String name;
        final String arn;
        final String id = UUID.randomUUID().toString();
        final String parent;
        final String description;
        final Map<String, String> attributes;
        final Instant createdAt;
        final Set<String> things = new LinkedHashSet<>();
        long version = 1;

        Group(String name, String arn, String parent, String description, Map<String, String> attributes, Instant at) {
            this.name = name;
            this.arn = arn;
            this.parent = parent;
            this.description = description;
            this.attributes = attributes;
            this.createdAt = at;
        }
    }

    /** A device certificate issued by the local CA or registered. */
    static final class Certificate {
        final String id;
        final String arn;
        final String pem;
        String status;
        final Instant createdAt;
        final Set<String> things = new LinkedHashSet<>();

        Certificate(String id, String arn, String pem, String status, Instant createdAt) {
            this.id = id;
            this.arn = arn;
            this.pem = pem;
            this.status = status;
            this.createdAt = createdAt;
        }
    }

    private final Arns arns;
    final Map<String, Thing> things = new LinkedHashMap<>();
    final Map<String, Group> groups = new LinkedHashMap<>();
    final Map<String, Certificate> certificates = new LinkedHashMap<>();
    /** certificateId → ACTIVE/INACTIVE/REVOKED and attached things, readable from broker threads. */
    private final Map<String, CertificateAccess> access = new ConcurrentHashMap<>();

    /** What the broker needs to know about a certificate. */
    public record CertificateAccess(String status, Set<String> things) {}

    Registry(Arns arns) {
        this.arns = arns;
    }

    Thing thing(String name) {
        Thing thing = things.get(name);
        if (thing == null) {
            throw notFound("Thing " + name + " cannot be found.");
        }
        return thing;
    }

    Group group(String name) {
        Group group = groups.get(name);
        if (group == null) {
            throw notFound("ThingGroup " + name + " cannot be found.");
        }
        return group;
    }

    Thing createThing(String name, String thingTypeName, Map<String, String> attributes) {
        if (!JobsTopic.isValidThingName(name)) {
            throw invalidRequest("thingName must be 1-128 characters of [a-zA-Z0-9:_-]");
        }
        Thing existing = things.get(name);
        if (existing != null) {
            boolean same = Objects.equals(existing.thingTypeName, thingTypeName)
                    && existing.attributes.equals(attributes == null ? Map.of() : attributes);
            if (same) {
                return existing; // CreateThing is idempotent for an identical thing
            }
            throw ApiException.alreadyExists(
                    "Thing " + name + " already exists in account with different attributes",
                    existing.id,
                    existing.arn);
        }
        Thing thing = new Thing(name, arns.thing(name));
        thing.thingTypeName = thingTypeName;
        if (attributes != null) {
            thing.attributes.putAll(attributes);
        }
        things.put(name, thing);
        return thing;
    }

    /** The things of a group and of its descendants (for job targets; child groups included). */
    Set<String> thingsOfGroup(String groupName, boolean recursive) {
        Set<String> result = new LinkedHashSet<>(group(groupName).things);
        if (recursive) {
            for (Group g : groups.values()) {
                if (groupName.equals(g.parent)) {
                    result.addAll(thingsOfGroup(g.name, true));
                }
            }
        }
        return result;
    }

    /** The group itself and every ancestor: a thing in {@code group} is also in each of these for targeting. */
    List<String> groupAndAncestors(String groupName) {
        List<String> chain = new ArrayList<>();
        String current = groupName;
        while (current != null && groups.containsKey(current) && !chain.contains(current)) {
            chain.add(current);
            current = groups.get(current).parent;
        }
        return chain;
    }

    void putCertificate(Certificate certificate) {
        certificates.put(certificate.id, certificate);
        publishAccess(certificate);
    }

    void publishAccess(Certificate certificate) {
        access.put(certificate.id, new CertificateAccess(certificate.status, Set.copyOf(certificate.things)));
    }

    void removeAccess(String certificateId) {
        access.remove(certificateId);
    }

    /** Thread-safe: the status and things of a certificate, or null when unknown. */
    public CertificateAccess certificateStatus(String certificateId) {
        return access.get(certificateId);
    }
}

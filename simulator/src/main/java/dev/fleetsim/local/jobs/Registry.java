package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.local.policy.DefaultPolicy;
import dev.fleetsim.local.policy.IotPolicy;
import dev.fleetsim.local.policy.PolicyContext;
import dev.fleetsim.local.policy.PolicyEvaluator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * The thing registry: things, static thing groups, certificates and their attachments. Reads go through the
 * entities' accessors, changes through this class's methods (the engine adds the job side effects of membership
 * changes). Engine thread only, except {@link #certificateStatus} which the broker reads from its own threads to
 * authenticate mTLS clients.
 */
public final class Registry {
    static final Pattern GROUP_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    /** A thing. */
    public static final class Thing {
        final String name;
        final String arn;
        final String id;
        String thingTypeName;
        final Map<String, String> attributes = new LinkedHashMap<>();
        long version = 1;
        final Set<String> groups = new LinkedHashSet<>();
        final Set<String> principals = new LinkedHashSet<>();

        Thing(String name, String arn, String id) {
            this.name = name;
            this.arn = arn;
            this.id = id;
        }

        public String name() {
            return name;
        }

        public String arn() {
            return arn;
        }

        public String id() {
            return id;
        }

        public String thingTypeName() {
            return thingTypeName;
        }

        public Map<String, String> attributes() {
            return Collections.unmodifiableMap(attributes);
        }

        public long version() {
            return version;
        }

        /** The groups the thing is in directly, in the order it joined them. */
        public Set<String> groups() {
            return Collections.unmodifiableSet(groups);
        }

        /** Certificate ARNs attached to the thing. */
        public Set<String> principals() {
            return Collections.unmodifiableSet(principals);
        }
    }

    /** A static thing group. */
    public static final class Group {
        final String name;
        final String arn;
        final String id;
        final String parent;
        final String description;
        final Map<String, String> attributes;
        final Instant createdAt;
        final Set<String> things = new LinkedHashSet<>();
        long version = 1;

        Group(
                String name,
                String arn,
                String id,
                String parent,
                String description,
                Map<String, String> attributes,
                Instant createdAt) {
            this.name = name;
            this.arn = arn;
            this.id = id;
            this.parent = parent;
            this.description = description;
            this.attributes = Map.copyOf(attributes);
            this.createdAt = createdAt;
        }

        public String name() {
            return name;
        }

        public String arn() {
            return arn;
        }

        public String id() {
            return id;
        }

        /** The parent group's name, or null. */
        public String parent() {
            return parent;
        }

        public String description() {
            return description;
        }

        public Map<String, String> attributes() {
            return attributes;
        }

        public Instant createdAt() {
            return createdAt;
        }

        /** The things in the group directly. */
        public Set<String> things() {
            return Collections.unmodifiableSet(things);
        }

        public long version() {
            return version;
        }
    }

    /** A device certificate issued by the local CA or registered. */
    public static final class Certificate {
        final String id;
        final String arn;
        final String pem;
        String status;
        final Instant createdAt;
        /** The registered CA that signed it (RegisterCertificate with a CA), or null. */
        final String caCertificateId;
        /** DEFAULT, or SNI_ONLY for RegisterCertificateWithoutCA (IoT Core then needs SNI to find it). */
        final String mode;

        final Set<String> things = new LinkedHashSet<>();

        public Certificate(String id, String arn, String pem, String status, Instant createdAt) {
            this(id, arn, pem, status, createdAt, null, "DEFAULT");
        }

        public Certificate(
                String id,
                String arn,
                String pem,
                String status,
                Instant createdAt,
                String caCertificateId,
                String mode) {
            this.id = id;
            this.arn = arn;
            this.pem = pem;
            this.status = status;
            this.createdAt = createdAt;
            this.caCertificateId = caCertificateId;
            this.mode = mode;
        }

        public String caCertificateId() {
            return caCertificateId;
        }

        public String mode() {
            return mode;
        }

        public String id() {
            return id;
        }

        public String arn() {
            return arn;
        }

        public String pem() {
            return pem;
        }

        /** ACTIVE, INACTIVE, REVOKED or PENDING_ACTIVATION. */
        public String status() {
            return status;
        }

        public Instant createdAt() {
            return createdAt;
        }

        /** The things the certificate is attached to. */
        public Set<String> things() {
            return Collections.unmodifiableSet(things);
        }
    }

    private final Arns arns;
    private final Map<String, Thing> things = new LinkedHashMap<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Certificate> certificates = new LinkedHashMap<>();
    /** Registered CA certificates (RegisterCACertificate), by id. */
    private final Map<String, Certificate> caCertificates = new LinkedHashMap<>();
    /** certificateId → ACTIVE/INACTIVE/REVOKED and attached things, readable from broker threads. */
    private final Map<String, CertificateAccess> access = new ConcurrentHashMap<>();

    /** What the broker needs to know about a certificate. */
    public record CertificateAccess(String status, Set<String> things) {}

    /** What policy variables and thing-group policies need to know about a thing, readable from broker threads. */
    record ThingView(String typeName, Map<String, String> attributes, List<String> groupArns) {}

    /**
     * What a connection may do: its certificate's status and things, who it is for policy variables, and the policy
     * documents that apply (the certificate's, and its thing's groups' and their ancestors').
     */
    public record ConnectionGrant(String status, Set<String> things, PolicyContext context, List<IotPolicy> policies) {
        public boolean active() {
            return "ACTIVE".equals(status);
        }

        public boolean allows(String action, String resource) {
            return PolicyEvaluator.allows(policies, action, resource, context);
        }
    }

    /** Changes to journal; set by the engine. */
    final StateChanges changes;

    /** IoT policies and what they are attached to. */
    final Policies policies;

    private final Map<String, ThingView> thingViews = new ConcurrentHashMap<>();
    private final IotPolicy defaultPolicy;
    private volatile Runnable accessListener = () -> {};

    Registry(Arns arns, StateChanges changes) {
        this.arns = arns;
        this.changes = changes;
        this.policies = new Policies(arns, changes, this::accessChanged);
        this.defaultPolicy = DefaultPolicy.of(arns.region(), arns.accountId());
    }

    public Policies policies() {
        return policies;
    }

    /** Called (on the engine thread) whenever what some connection may do might have changed. */
    public void onAccessChange(Runnable listener) {
        this.accessListener = listener;
    }

    private void accessChanged() {
        accessListener.run();
    }

    /** A change to a thing matters to live connections only when a certificate is attached to it. */
    private void thingChanged(Thing thing) {
        thingViews.put(thing.name, view(thing));
        if (!thing.principals.isEmpty()) {
            accessChanged();
        }
    }

    private ThingView view(Thing thing) {
        List<String> groupArns = new ArrayList<>();
        for (String g : thing.groups) {
            for (String name : groupAndAncestors(g)) {
                String arn = arns.group(name);
                if (!groupArns.contains(arn)) {
                    groupArns.add(arn);
                }
            }
        }
        return new ThingView(thing.thingTypeName, Map.copyOf(thing.attributes), List.copyOf(groupArns));
    }

    /**
     * Thread-safe: what a connection with this certificate and client id may do, or null when the certificate is
     * unknown. A certificate with no policy attached (directly or through its thing's groups) gets the default device
     * policy, unless {@code strict}, when it may do nothing, as on IoT Core.
     */
    public ConnectionGrant grant(String certificateId, String clientId, boolean strict) {
        CertificateAccess access = this.access.get(certificateId);
        if (access == null) {
            return null;
        }
        String thing = clientId != null && access.things().contains(clientId) ? clientId : null;
        ThingView view = thing == null ? null : thingViews.get(thing);
        PolicyContext context = new PolicyContext(
                arns.region(),
                arns.accountId(),
                clientId,
                thing,
                view == null ? null : view.typeName(),
                view == null ? Map.of() : view.attributes());
        List<IotPolicy> documents = new ArrayList<>(policies.documentsOf(arns.certificate(certificateId)));
        if (view != null) {
            for (String groupArn : view.groupArns()) {
                documents.addAll(policies.documentsOf(groupArn));
            }
        }
        if (documents.isEmpty() && !strict) {
            documents.add(defaultPolicy);
        }
        return new ConnectionGrant(access.status(), access.things(), context, List.copyOf(documents));
    }

    // ------------------------------------------------------------------ things

    /** Every thing, in creation order. */
    public Collection<Thing> things() {
        return Collections.unmodifiableCollection(things.values());
    }

    /** The thing, or {@code ResourceNotFoundException}. */
    public Thing thing(String name) {
        Thing thing = things.get(name);
        if (thing == null) {
            throw notFound("Thing " + name + " cannot be found.");
        }
        return thing;
    }

    /** The thing, or null. */
    public Thing findThing(String name) {
        return things.get(name);
    }

    /** CreateThing: idempotent for an identical thing, {@code ResourceAlreadyExistsException} otherwise. */
    public Thing createThing(String name, String thingTypeName, Map<String, String> attributes) {
        if (!JobsTopic.isValidThingName(name)) {
            throw invalidRequest("thingName must be 1-128 characters of [a-zA-Z0-9:_-]");
        }
        Thing existing = things.get(name);
        if (existing != null) {
            boolean same = Objects.equals(existing.thingTypeName, thingTypeName)
                    && existing.attributes.equals(attributes == null ? Map.of() : attributes);
            if (same) {
                return existing;
            }
            throw ApiException.alreadyExists(
                    "Thing " + name + " already exists in account with different attributes",
                    existing.id,
                    existing.arn);
        }
        Thing thing = new Thing(name, arns.thing(name), UUID.randomUUID().toString());
        thing.thingTypeName = thingTypeName;
        if (attributes != null) {
            thing.attributes.putAll(attributes);
        }
        things.put(name, thing);
        changes.thing(thing);
        thingViews.put(name, view(thing));
        return thing;
    }

    /**
     * UpdateThing: type and attributes ({@code attributes} null leaves them; without {@code merge} they are replaced;
     * with it, an empty value removes an attribute).
     */
    public void updateThing(
            String name,
            Long expectedVersion,
            String thingTypeName,
            boolean removeThingType,
            Map<String, String> attributes,
            boolean merge) {
        Thing thing = thing(name);
        checkVersion(expectedVersion, thing);
        if (removeThingType) {
            thing.thingTypeName = null;
        } else if (thingTypeName != null) {
            thing.thingTypeName = thingTypeName;
        }
        if (attributes != null) {
            if (!merge) {
                thing.attributes.clear();
            }
            attributes.forEach((k, v) -> {
                if (v.isEmpty()) {
                    thing.attributes.remove(k);
                } else {
                    thing.attributes.put(k, v);
                }
            });
        }
        thing.version++;
        changes.thing(thing);
        thingChanged(thing);
    }

    /** DeleteThing's registry part: out of its groups, off its certificates. Returns null when there was none. */
    Thing removeThing(String name, Long expectedVersion) {
        Thing thing = things.get(name);
        if (thing == null) {
            return null;
        }
        checkVersion(expectedVersion, thing);
        for (String g : thing.groups) {
            groups.get(g).things.remove(name);
        }
        for (String principal : thing.principals) {
            Certificate c = certificateByArn(principal);
            if (c != null) {
                c.things.remove(name);
                publishAccess(c);
            }
        }
        things.remove(name);
        thingViews.remove(name);
        changes.delete(StateChanges.Kind.THING, name);
        if (!thing.principals.isEmpty()) {
            accessChanged();
        }
        return thing;
    }

    private static void checkVersion(Long expectedVersion, Thing thing) {
        if (expectedVersion != null && expectedVersion != thing.version) {
            throw ApiException.versionConflict(
                    "expected version " + expectedVersion + " but the thing is at " + thing.version);
        }
    }

    // ------------------------------------------------------------------ groups

    /** Every static group, in creation order. */
    public Collection<Group> groups() {
        return Collections.unmodifiableCollection(groups.values());
    }

    /** The group, or {@code ResourceNotFoundException}. */
    public Group group(String name) {
        Group group = groups.get(name);
        if (group == null) {
            throw notFound("ThingGroup " + name + " cannot be found.");
        }
        return group;
    }

    /** The group, or null. */
    public Group findGroup(String name) {
        return groups.get(name);
    }

    /** CreateThingGroup. */
    public Group createGroup(
            String name, String parent, String description, Map<String, String> attributes, Instant now) {
        if (!GROUP_NAME.matcher(name).matches()) {
            throw invalidRequest("thingGroupName must be 1-128 characters of [a-zA-Z0-9:_-]");
        }
        if (parent != null) {
            group(parent);
        }
        Group existing = groups.get(name);
        if (existing != null) {
            throw ApiException.alreadyExists("Thing Group " + name + " already exists", existing.id, existing.arn);
        }
        Group group =
                new Group(name, arns.group(name), UUID.randomUUID().toString(), parent, description, attributes, now);
        groups.put(name, group);
        changes.put(StateChanges.Kind.GROUP, name, group);
        return group;
    }

    /** DeleteThingGroup's registry part; returns the things that were in it (null when there was no group). */
    List<String> removeGroup(String name) {
        Group group = groups.get(name);
        if (group == null) {
            return null;
        }
        if (groups.values().stream().anyMatch(g -> name.equals(g.parent))) {
            throw invalidRequest("Cannot delete thing group " + name + " because it has child groups");
        }
        List<String> members = new ArrayList<>(group.things);
        groups.remove(name);
        for (String thing : members) {
            things.get(thing).groups.remove(name);
            changes.thing(things.get(thing));
            thingChanged(things.get(thing));
        }
        changes.delete(StateChanges.Kind.GROUP, name);
        policies.targetRemoved(group.arn);
        return members;
    }

    /** Adds a thing to a group; false when it was in it already. */
    boolean addToGroup(String thingName, String groupName) {
        Group group = group(groupName);
        Thing thing = thing(thingName);
        if (!group.things.add(thingName)) {
            return false;
        }
        thing.groups.add(groupName);
        changes.thing(thing);
        thingChanged(thing);
        return true;
    }

    /** Removes a thing from a group; false when it was not in it. */
    boolean removeFromGroup(String thingName, String groupName) {
        Group group = group(groupName);
        Thing thing = thing(thingName);
        if (!group.things.remove(thingName)) {
            return false;
        }
        thing.groups.remove(groupName);
        changes.thing(thing);
        thingChanged(thing);
        return true;
    }

    /** The things of a group and of its descendants (for job targets; child groups included). */
    public Set<String> thingsOfGroup(String groupName, boolean recursive) {
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
    public List<String> groupAndAncestors(String groupName) {
        List<String> chain = new ArrayList<>();
        String current = groupName;
        while (current != null && groups.containsKey(current) && !chain.contains(current)) {
            chain.add(current);
            current = groups.get(current).parent;
        }
        return chain;
    }

    // ------------------------------------------------------------------ certificates

    /** Every certificate, in creation order. */
    public Collection<Certificate> certificates() {
        return Collections.unmodifiableCollection(certificates.values());
    }

    /** The certificate, or null. */
    public Certificate findCertificate(String id) {
        return certificates.get(id);
    }

    /** The certificate a principal ARN names, or null. */
    public Certificate certificateByArn(String arn) {
        String[] parsed = Arns.parse(arn);
        return parsed == null || !parsed[0].equals("cert") ? null : certificates.get(parsed[1]);
    }

    public void putCertificate(Certificate certificate) {
        certificates.put(certificate.id, certificate);
        publishAccess(certificate);
        changes.put(StateChanges.Kind.CERTIFICATE, certificate.id, certificate);
    }

    /** UpdateCertificate's new status. */
    public void setCertificateStatus(Certificate certificate, String status) {
        certificate.status = status;
        publishAccess(certificate);
        changes.put(StateChanges.Kind.CERTIFICATE, certificate.id, certificate);
        accessChanged();
    }

    public void removeCertificate(Certificate certificate) {
        certificates.remove(certificate.id);
        access.remove(certificate.id);
        changes.delete(StateChanges.Kind.CERTIFICATE, certificate.id);
        policies.targetRemoved(certificate.arn);
        accessChanged();
    }

    /** AttachThingPrincipal / DetachThingPrincipal. */
    public void attach(Thing thing, Certificate certificate, boolean attach) {
        if (attach) {
            thing.principals.add(certificate.arn);
            certificate.things.add(thing.name);
        } else {
            thing.principals.remove(certificate.arn);
            certificate.things.remove(thing.name);
        }
        publishAccess(certificate);
        changes.thing(thing);
        accessChanged();
    }

    private void publishAccess(Certificate certificate) {
        // A certificate registered with a CA may connect only while that CA is ACTIVE too, as on IoT Core.
        Certificate ca = certificate.caCertificateId == null ? null : caCertificates.get(certificate.caCertificateId);
        String status = ca != null && !"ACTIVE".equals(ca.status) && "ACTIVE".equals(certificate.status)
                ? "INACTIVE"
                : certificate.status;
        access.put(certificate.id, new CertificateAccess(status, Set.copyOf(certificate.things)));
    }

    // ------------------------------------------------------------------ CA certificates

    /** Registered CA certificates, in registration order. */
    public Collection<Certificate> caCertificates() {
        return Collections.unmodifiableCollection(caCertificates.values());
    }

    /** The CA certificate, or null. */
    public Certificate findCaCertificate(String id) {
        return caCertificates.get(id);
    }

    public void putCaCertificate(Certificate ca) {
        caCertificates.put(ca.id, ca);
        changes.put(StateChanges.Kind.CA_CERTIFICATE, ca.id, ca);
    }

    /** UpdateCACertificate's new status: the certificates it signed follow it. */
    public void setCaCertificateStatus(Certificate ca, String status) {
        ca.status = status;
        changes.put(StateChanges.Kind.CA_CERTIFICATE, ca.id, ca);
        certificates.values().stream()
                .filter(c -> ca.id.equals(c.caCertificateId))
                .forEach(this::publishAccess);
        accessChanged();
    }

    public void removeCaCertificate(Certificate ca) {
        caCertificates.remove(ca.id);
        changes.delete(StateChanges.Kind.CA_CERTIFICATE, ca.id);
    }

    void restoreCaCertificate(Certificate ca) {
        caCertificates.put(ca.id, ca);
    }

    // ------------------------------------------------------------------ recovery (journal → state)

    void restoreThing(Thing thing) {
        things.put(thing.name, thing);
    }

    void restoreGroup(Group group) {
        groups.put(group.name, group);
    }

    void restoreCertificate(Certificate certificate) {
        certificates.put(certificate.id, certificate);
    }

    /** Derives what is not journaled: each group's things and each certificate's things, from the things. */
    void rebuildMemberships() {
        for (Thing thing : things.values()) {
            thing.groups.removeIf(g -> !groups.containsKey(g));
            for (String g : thing.groups) {
                groups.get(g).things.add(thing.name);
            }
            for (String principal : thing.principals) {
                Certificate c = certificateByArn(principal);
                if (c != null) {
                    c.things.add(thing.name);
                }
            }
        }
        certificates.values().forEach(this::publishAccess);
        things.values().forEach(t -> thingViews.put(t.name, view(t)));
        policies.rebuildTargets();
    }

    /** Thread-safe: the status and things of a certificate, or null when unknown. */
    public CertificateAccess certificateStatus(String certificateId) {
        return access.get(certificateId);
    }
}

package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import dev.fleetsim.local.policy.IotPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * IoT policies: their versions (at most five, one the default) and the targets they are attached to (certificate and
 * thing-group ARNs). Engine thread for changes; {@link #defaultDocument} and {@link #attachedTo} read thread-safe
 * views the broker evaluates connections with.
 */
public final class Policies {
    static final Pattern NAME = Pattern.compile("[\\w+=,.@-]{1,128}");
    static final int MAX_VERSIONS = 5;

    /** A policy. */
    public static final class Policy {
        final String name;
        final String arn;
        final Instant createdAt;
        Instant lastModifiedAt;
        final TreeMap<Integer, Version> versions = new TreeMap<>();
        int defaultVersion;
        int nextVersion = 1;
        final Set<String> targets = new LinkedHashSet<>();

        Policy(String name, String arn, Instant createdAt) {
            this.name = name;
            this.arn = arn;
            this.createdAt = createdAt;
            this.lastModifiedAt = createdAt;
        }

        public String name() {
            return name;
        }

        public String arn() {
            return arn;
        }

        public Instant createdAt() {
            return createdAt;
        }

        public Instant lastModifiedAt() {
            return lastModifiedAt;
        }

        public int defaultVersion() {
            return defaultVersion;
        }

        public Version version(int id) {
            Version v = versions.get(id);
            if (v == null) {
                throw notFound("Policy version " + id + " of " + name + " cannot be found.");
            }
            return v;
        }

        public Collection<Version> versions() {
            return Collections.unmodifiableCollection(versions.values());
        }

        /** The ARNs the policy is attached to. */
        public Set<String> targets() {
            return Collections.unmodifiableSet(targets);
        }
    }

    /** One version of a policy's document. */
    public record Version(int id, String document, Instant createdAt) {}

    private final Arns arns;
    private final StateChanges changes;
    private final Runnable onAccessChange;
    private final Map<String, Policy> policies = new LinkedHashMap<>();
    /** Thread-safe: each policy's default document, parsed. */
    private final Map<String, IotPolicy> documents = new ConcurrentHashMap<>();
    /** Thread-safe: target ARN → names of the policies attached to it. */
    private final Map<String, List<String>> byTarget = new ConcurrentHashMap<>();

    Policies(Arns arns, StateChanges changes, Runnable onAccessChange) {
        this.arns = arns;
        this.changes = changes;
        this.onAccessChange = onAccessChange;
    }

    public Collection<Policy> all() {
        return Collections.unmodifiableCollection(policies.values());
    }

    /** The policy, or {@code ResourceNotFoundException}. */
    public Policy policy(String name) {
        Policy p = policies.get(name);
        if (p == null) {
            throw notFound("Policy " + name + " cannot be found.");
        }
        return p;
    }

    /** CreatePolicy: version 1 is the default. */
    public Policy create(String name, String document, Instant now) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw invalidRequest("policyName must be 1-128 characters of [\\w+=,.@-]");
        }
        if (policies.containsKey(name)) {
            throw ApiException.alreadyExists("Policy " + name + " already exists.", name, arns.policy(name));
        }
        IotPolicy parsed = parse(document);
        Policy p = new Policy(name, arns.policy(name), now);
        p.versions.put(1, new Version(1, document, now));
        p.defaultVersion = 1;
        p.nextVersion = 2;
        policies.put(name, p);
        documents.put(name, parsed);
        changed(p);
        return p;
    }

    /** DeletePolicy: only when attached to nothing and with no version but the default. */
    public void delete(String name) {
        Policy p = policy(name);
        if (!p.targets.isEmpty()) {
            throw deleteConflict("The policy cannot be deleted as the policy is attached to one or more principals.");
        }
        if (p.versions.size() > 1) {
            throw deleteConflict("Cannot delete the policy because it has non-default versions; delete them first.");
        }
        policies.remove(name);
        documents.remove(name);
        changes.delete(StateChanges.Kind.POLICY, name);
    }

    /** CreatePolicyVersion: at most five versions. */
    public Version createVersion(String name, String document, boolean setAsDefault, Instant now) {
        Policy p = policy(name);
        IotPolicy parsed = parse(document);
        if (p.versions.size() >= MAX_VERSIONS) {
            throw new ApiException(
                    409,
                    "VersionsLimitExceededException",
                    "The policy " + name + " already has the maximum number of versions (" + MAX_VERSIONS + ").");
        }
        Version v = new Version(p.nextVersion++, document, now);
        p.versions.put(v.id(), v);
        p.lastModifiedAt = now;
        if (setAsDefault) {
            p.defaultVersion = v.id();
            documents.put(name, parsed);
            onAccessChange.run();
        }
        changed(p);
        return v;
    }

    public void setDefaultVersion(String name, int id, Instant now) {
        Policy p = policy(name);
        Version v = p.version(id);
        p.defaultVersion = id;
        p.lastModifiedAt = now;
        documents.put(name, parse(v.document()));
        changed(p);
        onAccessChange.run();
    }

    public void deleteVersion(String name, int id) {
        Policy p = policy(name);
        p.version(id);
        if (id == p.defaultVersion) {
            throw deleteConflict("Cannot delete the default version of a policy.");
        }
        p.versions.remove(id);
        changed(p);
    }

    /** AttachPolicy (or AttachPrincipalPolicy): idempotent. */
    public void attach(String name, String target) {
        Policy p = policy(name);
        if (p.targets.add(target)) {
            refreshTarget(target);
            changed(p);
            onAccessChange.run();
        }
    }

    /** DetachPolicy: detaching what is not attached is not an error, as on AWS. */
    public void detach(String name, String target) {
        Policy p = policy(name);
        if (p.targets.remove(target)) {
            refreshTarget(target);
            changed(p);
            onAccessChange.run();
        }
    }

    /** The policies attached to a target, in attachment order. */
    public List<Policy> attachedTo(String target) {
        List<Policy> out = new ArrayList<>();
        for (String name : byTarget.getOrDefault(target, List.of())) {
            Policy p = policies.get(name);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /** Thread-safe: the default documents of the policies attached to {@code target}. */
    public List<IotPolicy> documentsOf(String target) {
        List<String> names = byTarget.get(target);
        if (names == null) {
            return List.of();
        }
        List<IotPolicy> out = new ArrayList<>(names.size());
        for (String name : names) {
            IotPolicy doc = documents.get(name);
            if (doc != null) {
                out.add(doc);
            }
        }
        return out;
    }

    /** Thread-safe: the parsed default document of a policy, or null. */
    public IotPolicy defaultDocument(String name) {
        return documents.get(name);
    }

    private void refreshTarget(String target) {
        List<String> names = new ArrayList<>();
        for (Policy p : policies.values()) {
            if (p.targets.contains(target)) {
                names.add(p.name);
            }
        }
        if (names.isEmpty()) {
            byTarget.remove(target);
        } else {
            byTarget.put(target, List.copyOf(names));
        }
    }

    /** A target that goes away (a deleted certificate or group) takes its attachments along. */
    void targetRemoved(String target) {
        for (Policy p : policies.values()) {
            if (p.targets.remove(target)) {
                changed(p);
            }
        }
        byTarget.remove(target);
    }

    private void changed(Policy p) {
        changes.put(StateChanges.Kind.POLICY, p.name, p);
    }

    private static IotPolicy parse(String document) {
        try {
            return IotPolicy.parse(document);
        } catch (IotPolicy.MalformedPolicyException e) {
            throw new ApiException(400, "MalformedPolicyException", e.getMessage());
        }
    }

    private static ApiException deleteConflict(String message) {
        return new ApiException(409, "DeleteConflictException", message);
    }

    // ------------------------------------------------------------------ recovery

    void restore(Policy p) {
        policies.put(p.name, p);
        Version v = p.versions.get(p.defaultVersion);
        if (v != null) {
            documents.put(p.name, IotPolicy.parse(v.document()));
        }
    }

    void rebuildTargets() {
        Set<String> targets = new LinkedHashSet<>();
        policies.values().forEach(p -> targets.addAll(p.targets));
        targets.forEach(this::refreshTarget);
    }
}

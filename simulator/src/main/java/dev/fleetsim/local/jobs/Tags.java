package dev.fleetsim.local.jobs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resource tags by ARN (TagResource, UntagResource, ListTagsForResource, and the {@code tags} of CreateThingGroup,
 * CreatePolicy, CreateJob and RegisterCACertificate), journaled with the rest of the state. A resource's tags go with
 * it when it is deleted. Engine thread only.
 */
public final class Tags {
    /** IoT allows 50 tags per resource. */
    public static final int MAX_PER_RESOURCE = 50;

    private final Map<String, Map<String, String>> byArn = new LinkedHashMap<>();
    private final StateChanges changes;

    Tags(StateChanges changes) {
        this.changes = changes;
    }

    /** The tags of {@code arn}, sorted by key; empty when it has none. */
    public Map<String, String> of(String arn) {
        Map<String, String> tags = byArn.get(arn);
        return tags == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** Adds or replaces {@code tags} on {@code arn}. */
    public void tag(String arn, Map<String, String> tags) {
        if (tags.isEmpty()) {
            return;
        }
        byArn.computeIfAbsent(arn, a -> new LinkedHashMap<>()).putAll(tags);
        changes.put(StateChanges.Kind.TAGS, arn, byArn.get(arn));
    }

    /** Removes the tags with these keys from {@code arn}. */
    public void untag(String arn, Iterable<String> keys) {
        Map<String, String> tags = byArn.get(arn);
        if (tags == null) {
            return;
        }
        keys.forEach(tags::remove);
        if (tags.isEmpty()) {
            removed(arn);
        } else {
            changes.put(StateChanges.Kind.TAGS, arn, tags);
        }
    }

    /** The resource is gone: so are its tags. */
    public void removed(String arn) {
        if (byArn.remove(arn) != null) {
            changes.delete(StateChanges.Kind.TAGS, arn);
        }
    }

    Map<String, Map<String, String>> all() {
        return byArn;
    }

    void restore(String arn, Map<String, String> tags) {
        byArn.put(arn, new LinkedHashMap<>(tags));
    }
}

package dev.fleetsim.scenario;

import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Where each key path of a YAML document is ({@code fleet.count}, {@code jobs[0].document} → line and column), so
 * that every error about a scenario can point at its line, including errors found after data binding.
 */
final class YamlLocations {
    /** 1-based line and column. */
    record Location(int line, int column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    private final Map<String, Location> byPath = new HashMap<>();

    /** More paths than any scenario has; past it the index stops growing. */
    private static final int MAX_PATHS = 100_000;

    private YamlLocations() {}

    /** Indexes a document; an unparseable document gives an empty index (the binder reports the syntax error). */
    static YamlLocations index(String text) {
        YamlLocations locations = new YamlLocations();
        try {
            Node root = new Yaml(ScenarioLoader.loaderOptions()).compose(new StringReader(text));
            if (root != null) {
                locations.walk(root, "", 0);
            }
        } catch (RuntimeException e) {
            // syntax errors are reported by the binder with their own position
        }
        return locations;
    }

    /** The location of a path, or of its nearest indexed parent; null when none is known. */
    Location find(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Location location = byPath.get(p);
            if (location != null) {
                return location;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return null;
    }

    /**
     * Indexes the paths under {@code node}. An alias makes the graph cyclic ({@code a: &a [*a]}), so the walk stops at
     * the loader's nesting limit: what lies deeper has no path of its own a scenario could use.
     */
    private void walk(Node node, String path, int depth) {
        if (depth > ScenarioLoader.MAX_NESTING || byPath.size() > MAX_PATHS) {
            return; // aliases can make a small file a huge tree: index a scenario's worth, not all of it
        }
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key) {
                    String child = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
                    byPath.put(child, location(key));
                    walk(tuple.getValueNode(), child, depth + 1);
                }
            }
        } else if (node instanceof SequenceNode sequence) {
            for (int i = 0; i < sequence.getValue().size(); i++) {
                Node item = sequence.getValue().get(i);
                String child = path + "[" + i + "]";
                byPath.put(child, location(item));
                walk(item, child, depth + 1);
            }
        }
    }

    private static Location location(Node node) {
        return new Location(
                node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1);
    }
}

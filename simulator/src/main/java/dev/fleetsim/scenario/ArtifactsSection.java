package dev.fleetsim.scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code artifacts}: updates to upload before the jobs start, generated at a size or read from a file. */
final class ArtifactsSection {
    /** The largest artifact a scenario may generate or upload. */
    static final long MAX_BYTES = 8L * 1024 * 1024 * 1024;

    private ArtifactsSection() {}

    static List<Scenario.ArtifactSpec> read(Node list, LoadContext ctx) {
        List<Scenario.ArtifactSpec> out = new ArrayList<>();
        for (Node a : list.list()) {
            if (!a.mapping("name", "size", "file", "signed", "bucket", "key")) {
                continue;
            }
            String name = a.get("name").required();
            if (name != null && !ctx.artifactNames.add(name)) {
                a.get("name").error("'" + name + "' is defined twice");
            }
            long size = a.get("size").bytes(-1);
            Path path = null;
            if (a.has("file")) {
                path = ctx.file
                        .toAbsolutePath()
                        .getParent()
                        .resolve(a.get("file").text(""));
                if (!Files.isRegularFile(path)) {
                    a.get("file").error("no such file: " + path);
                }
            }
            if ((size >= 0) == (path != null)) {
                a.error("give exactly one of size (a generated artifact) or file");
            }
            if (size > MAX_BYTES) {
                a.get("size").error("at most 8GiB");
            }
            String bucket = a.get("bucket").text("fleetsim-artifacts");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                a.get("bucket").error("an S3 bucket name is 3-63 of a-z 0-9 . -");
            }
            String key = a.get("key").text(name == null ? "artifact" : name);
            out.add(new Scenario.ArtifactSpec(
                    name, bucket, key, size, path, a.get("signed").bool(false)));
        }
        return out;
    }
}

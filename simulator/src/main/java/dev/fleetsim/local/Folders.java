package dev.fleetsim.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder chores shared by the local stack, its store and the benchmarks' temporary folders. */
public final class Folders {
    private Folders() {}

    /** Deletes a folder and everything in it, best effort: a leftover temporary folder is harmless. */
    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone, or not ours to delete
        }
    }
}

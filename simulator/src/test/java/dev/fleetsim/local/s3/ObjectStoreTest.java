package dev.fleetsim.local.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on disk across restarts and interrupted writes: each state a crash can leave (the files of each step of a
 * commit, made here by hand) opens to the old object or the new one, whole, and what the crash left is removed.
 */
class ObjectStoreTest {
    private static final long MAX = 1 << 20;

    @TempDir
    Path root;

    private ObjectStore open() {
        return ObjectStore.open(root, Clock.systemUTC(), MAX);
    }

    private static String hash(String key) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(root.resolve("bkt"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String read(ObjectStore store, String key) throws IOException {
        return Files.readString(store.lookup("bkt", key).file());
    }

    @Test
    void aReplacedObjectKeepsOneVersionOnDiskAndSurvivesARestart() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        ObjectStore.Meta first = store.put("bkt", "fw.bin", "one".getBytes(StandardCharsets.UTF_8), "text/plain");
        ObjectStore.Meta second = store.put("bkt", "fw.bin", "two!".getBytes(StandardCharsets.UTF_8), null);

        assertThat(second.versionId()).isNotEqualTo(first.versionId());
        String h = hash("fw.bin");
        assertThat(files()).containsExactlyInAnyOrder(h + ".json", h + "." + second.versionId() + ".obj");
        ObjectStore reopened = open();
        assertThat(reopened.lookup("bkt", "fw.bin").meta()).isEqualTo(second);
        assertThat(read(reopened, "fw.bin")).isEqualTo("two!");
    }

    @Test
    void aCrashBeforeTheSidecarSwapLeavesTheOldObjectAndNoTrace() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        ObjectStore.Meta old = store.put("bkt", "fw.bin", "old".getBytes(StandardCharsets.UTF_8), null);
        String h = hash("fw.bin");
        // The steps a crash interrupts: an upload in progress, the new version renamed into place, a new sidecar
        // written to its temporary file but not yet renamed over the old one.
        Files.writeString(root.resolve("bkt").resolve(".upload-1234"), "partial");
        Files.writeString(root.resolve("bkt").resolve(h + ".0123456789abcdef0123456789abcdef.obj"), "new");
        Files.writeString(root.resolve("bkt").resolve(h + ".json.tmp-5678"), "{\"key\":\"fw.bin\"");

        ObjectStore reopened = open();

        assertThat(reopened.lookup("bkt", "fw.bin").meta()).isEqualTo(old);
        assertThat(read(reopened, "fw.bin")).isEqualTo("old");
        assertThat(files()).containsExactlyInAnyOrder(h + ".json", h + "." + old.versionId() + ".obj");
    }

    @Test
    void aCrashAfterTheSidecarSwapLeavesTheNewObjectAndRemovesTheOld() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        ObjectStore.Meta old = store.put("bkt", "fw.bin", "old".getBytes(StandardCharsets.UTF_8), null);
        String h = hash("fw.bin");
        Path oldFile = store.lookup("bkt", "fw.bin").file();
        byte[] oldBytes = Files.readAllBytes(oldFile);
        ObjectStore.Meta fresh = store.put("bkt", "fw.bin", "new".getBytes(StandardCharsets.UTF_8), null);
        Files.write(oldFile, oldBytes); // the old version's delete never happened

        ObjectStore reopened = open();

        assertThat(reopened.lookup("bkt", "fw.bin").meta()).isEqualTo(fresh);
        assertThat(read(reopened, "fw.bin")).isEqualTo("new");
        assertThat(files()).containsExactlyInAnyOrder(h + ".json", h + "." + fresh.versionId() + ".obj");
        assertThat(old.versionId()).isNotEqualTo(fresh.versionId());
    }

    @Test
    void aStoreWrittenBeforeVersionedFileNamesOpensWithItsObjects() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        ObjectStore.Meta meta = store.put("bkt", "doc.json", "{}".getBytes(StandardCharsets.UTF_8), null);
        String h = hash("doc.json");
        Files.move(store.lookup("bkt", "doc.json").file(), root.resolve("bkt").resolve(h + ".obj"));

        ObjectStore reopened = open();

        assertThat(read(reopened, "doc.json")).isEqualTo("{}");
        assertThat(files()).containsExactlyInAnyOrder(h + ".json", h + "." + meta.versionId() + ".obj");
    }

    @Test
    void deletingRemovesBothFilesAndTheObjectStaysGoneAfterARestart() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        store.put("bkt", "gone", new byte[10], null);
        store.delete("bkt", "gone");

        assertThat(files()).isEmpty();
        assertThat(open().keys("bkt", null)).isEmpty();
    }

    @Test
    void anAbortedUploadLeavesNothing() throws Exception {
        ObjectStore store = open();
        store.createBucket("bkt");
        ObjectStore.Upload upload = store.beginPut("bkt", "x");
        upload.write(ByteBuffer.wrap(new byte[100]));
        upload.abort();

        assertThat(files()).isEmpty();
        assertThat(store.keys("bkt", null)).doesNotContainKey("x");
        assertThat(Map.copyOf(open().keys("bkt", null))).isEmpty();
    }
}

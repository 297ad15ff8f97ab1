package dev.fleetsim.local.s3;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.local.Folders;
import dev.fleetsim.net.Ids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Buckets and objects on disk under one root. An object's files are named by the SHA-256 of its key, so no key
 * ({@code ../}, absolute paths, NUL…) can name a path outside the store: {@code <hash>.json}, a sidecar with the key,
 * metadata and version id, and {@code <hash>.<versionId>.obj}, that version's bytes. An in-memory index (loaded at
 * open) answers listings. Only the latest version of a key is kept; each PUT gives it a new version id.
 *
 * <p>Crash safety: a PUT streams into a temporary file; at commit the bytes are synced and renamed to their version's
 * name, then a new sidecar is written to a temporary file, synced and renamed over the old one (the commit point),
 * the folder is synced, and only then is the previous version's file deleted. A crash at any step leaves either the
 * old object or the new one, never a sidecar that names missing or partial bytes; what a crash leaves behind
 * (temporary files, versions no sidecar names) is removed at the next open.
 *
 * <p>Blocking: every method may touch the disk, except {@link #bucketExists}, {@link #bucketNames}, {@link #keys}
 * and {@link #lookup}, which read the index. Callers on an event loop run the others off it.
 */
public final class ObjectStore {
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final String UPLOAD_PREFIX = ".upload-";
    private static final String SIDECAR_TEMP = ".tmp-";
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /** An object's metadata. {@code etag} is the quoted hex MD5, as S3 gives for single-part uploads. */
    public record Meta(
            String key,
            long size,
            String etag,
            long lastModifiedMillis,
            String contentType,
            String versionId,
            String sha256,
            Map<String, String> checksums,
            Map<String, String> userMetadata) {
        @JsonIgnore
        public Instant lastModified() {
            return Instant.ofEpochMilli(lastModifiedMillis);
        }
    }

    /** A stored object: its metadata and its file (open it to read; a later PUT does not disturb an open file). */
    public record StoredObject(Meta meta, Path file) {}

    private final Path root;
    private final Clock clock;
    private final long maxObjectSize;
    private final Map<String, ConcurrentSkipListMap<String, Meta>> buckets = new ConcurrentHashMap<>();
    /** Striped by key: a commit's sidecar swap, index update and old-version delete happen as one step per key. */
    private final Object[] locks = new Object[64];

    private ObjectStore(Path root, Clock clock, long maxObjectSize) {
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        this.root = root;
        this.clock = clock;
        this.maxObjectSize = maxObjectSize;
    }

    /**
     * Opens (creating) the store under {@code root}, loading what an earlier run left there and removing what an
     * interrupted write left behind.
     */
    public static ObjectStore open(Path root, Clock clock, long maxObjectSize) {
        ObjectStore store = new ObjectStore(root.toAbsolutePath(), clock, maxObjectSize);
        try {
            Files.createDirectories(store.root);
            try (Stream<Path> dirs = Files.list(store.root)) {
                for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                    store.buckets.put(dir.getFileName().toString(), store.load(dir));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the artifact store in " + root, e);
        }
        return store;
    }

    /** One bucket's index from its sidecars; temporary files and versions no sidecar names are deleted. */
    private ConcurrentSkipListMap<String, Meta> load(Path dir) throws IOException {
        ConcurrentSkipListMap<String, Meta> index = new ConcurrentSkipListMap<>();
        Set<String> named = new HashSet<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        for (Path sidecar : files) {
            String name = sidecar.getFileName().toString();
            if (!name.endsWith(".json")) {
                continue;
            }
            Meta meta;
            try {
                meta = JSON.readValue(sidecar.toFile(), Meta.class);
            } catch (IOException e) {
                continue; // not ours, or damaged outside fleetsim: leave it, index nothing
            }
            String bucket = dir.getFileName().toString();
            Path data = dataFile(bucket, meta.key(), meta.versionId());
            Path legacy = dir.resolve(fileName(meta.key()) + ".obj"); // stores written before versioned names
            if (!Files.exists(data) && Files.exists(legacy)) {
                Files.move(legacy, data, StandardCopyOption.ATOMIC_MOVE);
            }
            if (Files.exists(data)) {
                index.put(meta.key(), meta);
                named.add(data.getFileName().toString());
            }
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            boolean leftover = name.startsWith(UPLOAD_PREFIX)
                    || name.contains(SIDECAR_TEMP)
                    || (name.endsWith(".obj") && !named.contains(name) && Files.exists(f));
            if (leftover) {
                Files.deleteIfExists(f);
            }
        }
        return index;
    }

    public long maxObjectSize() {
        return maxObjectSize;
    }

    // ------------------------------------------------------------------ buckets

    public void createBucket(String bucket) {
        if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
            throw new S3Exception(
                    400,
                    "InvalidBucketName",
                    "The specified bucket is not valid: 3-63 characters of lower-case letters, digits, dots and"
                            + " hyphens, starting and ending with a letter or digit.",
                    Map.of("BucketName", bucket));
        }
        if (buckets.putIfAbsent(bucket, new ConcurrentSkipListMap<>()) != null) {
            throw new S3Exception(
                    409,
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.",
                    Map.of("BucketName", bucket));
        }
        try {
            Files.createDirectories(root.resolve(bucket));
        } catch (IOException e) {
            buckets.remove(bucket);
            throw new UncheckedIOException(e);
        }
    }

    public void deleteBucket(String bucket) {
        ConcurrentSkipListMap<String, Meta> index = index(bucket);
        if (!index.isEmpty()) {
            throw new S3Exception(
                    409, "BucketNotEmpty", "The bucket you tried to delete is not empty", Map.of("BucketName", bucket));
        }
        buckets.remove(bucket);
        Folders.deleteRecursively(root.resolve(bucket));
    }

    public boolean bucketExists(String bucket) {
        return buckets.containsKey(bucket);
    }

    public List<String> bucketNames() {
        return new ArrayList<>(new TreeMap<>(buckets).keySet());
    }

    // ------------------------------------------------------------------ objects

    /** The object's metadata and the file of its current version (index only; opening the file is the caller's). */
    public StoredObject lookup(String bucket, String key) {
        Meta meta = index(bucket).get(key);
        if (meta == null) {
            throw S3Exception.noSuchKey(key);
        }
        return new StoredObject(meta, dataFile(bucket, key, meta.versionId()));
    }

    /** Deletes the object (its sidecar first: the commit point), if present. */
    public void delete(String bucket, String key) {
        ConcurrentSkipListMap<String, Meta> index = index(bucket);
        synchronized (lock(key)) {
            Meta meta = index.remove(key);
            if (meta != null) {
                try {
                    Files.deleteIfExists(sidecar(bucket, key));
                    syncFolder(root.resolve(bucket));
                    Files.deleteIfExists(dataFile(bucket, key, meta.versionId()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** The keys of a bucket from {@code after} (exclusive), in UTF-8 binary order as S3 lists them. */
    public NavigableMap<String, Meta> keys(String bucket, String after) {
        ConcurrentSkipListMap<String, Meta> index = index(bucket);
        return after == null || after.isEmpty() ? index : index.tailMap(after, false);
    }

    /** Starts a PUT: the body streams into a temporary file with its digests computed on the way. */
    public Upload beginPut(String bucket, String key) {
        index(bucket);
        checkKey(key);
        return new Upload(bucket, key);
    }

    /** Stores a small object in one call (used by tools and tests). */
    public Meta put(String bucket, String key, byte[] content, String contentType) {
        Upload upload = beginPut(bucket, key);
        upload.write(ByteBuffer.wrap(content));
        return upload.commit(contentType, Map.of(), Map.of());
    }

    /**
     * One PUT in progress. Not thread-safe: one connection's lane feeds it. Creating it touches no disk; the first
     * write creates the temporary file.
     */
    public final class Upload {
        private final String bucket;
        private final String key;
        private final Path temp;
        private FileChannel channel;
        private final MessageDigest md5 = digest("MD5");
        private final MessageDigest sha256 = digest("SHA-256");
        private long size;
        private boolean closed;

        private Upload(String bucket, String key) {
            this.bucket = bucket;
            this.key = key;
            this.temp = root.resolve(bucket).resolve(UPLOAD_PREFIX + Ids.hex(32));
        }

        private FileChannel channel() throws IOException {
            if (closed) {
                throw new IOException("the upload was aborted");
            }
            if (channel == null) {
                channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            return channel;
        }

        public long size() {
            return size;
        }

        /** Appends bytes; the buffer's position moves to its limit. */
        public void write(ByteBuffer data) {
            if (size + data.remaining() > maxObjectSize) {
                abort();
                throw S3Exception.entityTooLarge(-1, maxObjectSize);
            }
            md5.update(data.duplicate());
            sha256.update(data.duplicate());
            try {
                FileChannel out = channel();
                while (data.hasRemaining()) {
                    size += out.write(data);
                }
            } catch (IOException e) {
                abort();
                throw new UncheckedIOException(e);
            }
        }

        /** The hex SHA-256 of what was written so far (call once, at the end). */
        public String sha256Hex() {
            return HexFormat.of().formatHex(sha256.digest());
        }

        public String md5Base64() {
            return Base64.getEncoder().encodeToString(md5Value());
        }

        private byte[] md5Cache;

        private byte[] md5Value() {
            if (md5Cache == null) {
                md5Cache = md5.digest();
            }
            return md5Cache;
        }

        /** Makes the object visible, replacing any earlier version atomically. */
        public Meta commit(String contentType, Map<String, String> checksums, Map<String, String> userMetadata) {
            return commit(contentType, checksums, userMetadata, null);
        }

        Meta commit(
                String contentType, Map<String, String> checksums, Map<String, String> userMetadata, String sha256Hex) {
            try {
                FileChannel out = channel(); // an empty object has had no write
                out.force(true);
                out.close();
                closed = true;
                Meta meta = new Meta(
                        key,
                        size,
                        "\"" + HexFormat.of().formatHex(md5Value()) + "\"",
                        clock.millis(),
                        contentType == null ? "binary/octet-stream" : contentType,
                        Ids.hex(32),
                        sha256Hex == null ? sha256Hex() : sha256Hex,
                        Map.copyOf(checksums),
                        Map.copyOf(userMetadata));
                Path folder = root.resolve(bucket);
                Files.move(temp, dataFile(bucket, key, meta.versionId()), StandardCopyOption.ATOMIC_MOVE);
                synchronized (lock(key)) {
                    writeAtomically(sidecar(bucket, key), JSON.writeValueAsBytes(meta));
                    syncFolder(folder);
                    Meta previous = index(bucket).put(key, meta);
                    if (previous != null) {
                        Files.deleteIfExists(dataFile(bucket, key, previous.versionId()));
                    }
                }
                return meta;
            } catch (IOException e) {
                abort();
                throw new UncheckedIOException(e);
            }
        }

        /** Drops the partial upload. Safe to call more than once. */
        public void abort() {
            closed = true;
            try {
                if (channel != null) {
                    channel.close();
                }
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is never indexed and is removed at the next open
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private ConcurrentSkipListMap<String, Meta> index(String bucket) {
        ConcurrentSkipListMap<String, Meta> index = buckets.get(bucket);
        if (index == null) {
            throw S3Exception.noSuchBucket(bucket);
        }
        return index;
    }

    private static void checkKey(String key) {
        if (key.isEmpty()) {
            throw S3Exception.invalidArgument("an object key must not be empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > 1024) {
            throw new S3Exception(400, "KeyTooLongError", "Your key is too long", Map.of("MaxSizeAllowed", "1024"));
        }
    }

    private Path dataFile(String bucket, String key, String versionId) {
        return root.resolve(bucket).resolve(fileName(key) + "." + versionId + ".obj");
    }

    private Path sidecar(String bucket, String key) {
        return root.resolve(bucket).resolve(fileName(key) + ".json");
    }

    /** Writes {@code bytes} to a synced temporary file and renames it over {@code target}. */
    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + SIDECAR_TEMP + Ids.hex(32));
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Makes the folder's renames and deletions durable (POSIX: fsync the directory). */
    private static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot open or sync a directory; the renames are still atomic there
        }
    }

    private Object lock(String key) {
        return locks[(key.hashCode() & 0x7fffffff) % locks.length];
    }

    private static String fileName(String key) {
        return HexFormat.of().formatHex(SigV4.sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

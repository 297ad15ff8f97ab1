package dev.fleetsim.local.s3;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.local.Folders;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Buckets and objects on disk under one root. An object's file is named by the SHA-256 of its key, so no key
 * ({@code ../}, absolute paths, NUL…) can name a path outside the store; a JSON sidecar holds the key and metadata,
 * and an in-memory index (loaded at open) answers listings. A PUT streams into a temporary file and replaces the
 * object atomically when complete, so readers never see a partial object. Only the latest version of a key is kept;
 * each PUT gives it a new version id.
 */
public final class ObjectStore {
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
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

    private ObjectStore(Path root, Clock clock, long maxObjectSize) {
        this.root = root;
        this.clock = clock;
        this.maxObjectSize = maxObjectSize;
    }

    /** Opens (creating) the store under {@code root}, loading what an earlier run left there. */
    public static ObjectStore open(Path root, Clock clock, long maxObjectSize) {
        ObjectStore store = new ObjectStore(root.toAbsolutePath(), clock, maxObjectSize);
        try {
            Files.createDirectories(store.root);
            try (Stream<Path> dirs = Files.list(store.root)) {
                for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                    ConcurrentSkipListMap<String, Meta> index = new ConcurrentSkipListMap<>();
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path sidecar : files.filter(f -> f.toString().endsWith(".json"))
                                .toList()) {
                            Meta meta = JSON.readValue(sidecar.toFile(), Meta.class);
                            if (Files.exists(store.objectFile(dir.getFileName().toString(), meta.key()))) {
                                index.put(meta.key(), meta);
                            }
                        }
                    }
                    store.buckets.put(dir.getFileName().toString(), index);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the artifact store in " + root, e);
        }
        return store;
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

    public StoredObject get(String bucket, String key) {
        Meta meta = index(bucket).get(key);
        if (meta == null) {
            throw S3Exception.noSuchKey(key);
        }
        return new StoredObject(meta, objectFile(bucket, key));
    }

    public void delete(String bucket, String key) {
        ConcurrentSkipListMap<String, Meta> index = index(bucket);
        if (index.remove(key) != null) {
            try {
                Files.deleteIfExists(objectFile(bucket, key));
                Files.deleteIfExists(sidecar(bucket, key));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
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

    /** One PUT in progress. Not thread-safe: one connection feeds it. */
    public final class Upload {
        private final String bucket;
        private final String key;
        private final Path temp;
        private final FileChannel channel;
        private final MessageDigest md5 = digest("MD5");
        private final MessageDigest sha256 = digest("SHA-256");
        private long size;

        private Upload(String bucket, String key) {
            this.bucket = bucket;
            this.key = key;
            this.temp = root.resolve(bucket).resolve(".upload-" + UUID.randomUUID());
            try {
                this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
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
                while (data.hasRemaining()) {
                    size += channel.write(data);
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
                channel.force(false);
                channel.close();
                Meta meta = new Meta(
                        key,
                        size,
                        "\"" + HexFormat.of().formatHex(md5Value()) + "\"",
                        clock.millis(),
                        contentType == null ? "binary/octet-stream" : contentType,
                        UUID.randomUUID().toString().replace("-", ""),
                        sha256Hex == null ? sha256Hex() : sha256Hex,
                        Map.copyOf(checksums),
                        Map.copyOf(userMetadata));
                Files.move(temp, objectFile(bucket, key), StandardCopyOption.ATOMIC_MOVE);
                Files.write(sidecar(bucket, key), JSON.writeValueAsBytes(meta));
                index(bucket).put(key, meta);
                return meta;
            } catch (IOException e) {
                abort();
                throw new UncheckedIOException(e);
            }
        }

        /** Drops the partial upload. Safe to call more than once. */
        public void abort() {
            try {
                channel.close();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is harmless and never indexed
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

    private Path objectFile(String bucket, String key) {
        return root.resolve(bucket).resolve(fileName(key) + ".obj");
    }

    private Path sidecar(String bucket, String key) {
        return root.resolve(bucket).resolve(fileName(key) + ".json");
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

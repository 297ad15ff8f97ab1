package dev.fleetsim.local.s3;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.aws.S3Names;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
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
        String problem = S3Names.bucketProblem(bucket);
        if (problem != null) {
            throw new S3Exception(
                    400,
                    "InvalidBucketName",
                    "The specified bucket is not valid: " + problem + ".",
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
        return new Upload(bucket, key, null);
    }

    // ------------------------------------------------------------------ multipart uploads

    /** The smallest part but the last (S3: 5 MiB). */
    static final long MIN_PART_SIZE = 5L << 20;
    /** Part numbers are 1-10,000. */
    static final int MAX_PARTS = 10_000;

    private static final String MULTIPART_PREFIX = ".mpu-";

    private record PartTarget(String uploadId, int number) {}

    /** A multipart upload in progress: what the object will be. */
    public record MultipartUpload(
            String uploadId, String key, long initiatedMillis, String contentType, Map<String, String> userMetadata) {}

    /** An uploaded part. */
    public record Part(int number, long size, String etag, long lastModifiedMillis, Map<String, String> checksums) {}

    /** CreateMultipartUpload: a folder for the parts and a record of what the object will be. */
    public MultipartUpload createMultipartUpload(
            String bucket, String key, String contentType, Map<String, String> userMetadata) {
        index(bucket);
        checkKey(key);
        MultipartUpload upload =
                new MultipartUpload(Ids.hex(32), key, clock.millis(), contentType, Map.copyOf(userMetadata));
        Path folder = uploadFolder(bucket, upload.uploadId());
        try {
            Files.createDirectories(folder);
            writeAtomically(folder.resolve("upload.json"), JSON.writeValueAsBytes(upload));
            syncFolder(root.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return upload;
    }

    /** The upload, or {@code NoSuchUpload} (unknown, finished, aborted, or of another key). */
    public MultipartUpload multipartUpload(String bucket, String key, String uploadId) {
        index(bucket);
        if (uploadId == null || !uploadId.matches("[0-9a-f]{32}")) {
            throw noSuchUpload(String.valueOf(uploadId));
        }
        Path record = uploadFolder(bucket, uploadId).resolve("upload.json");
        try {
            MultipartUpload upload = JSON.readValue(record.toFile(), MultipartUpload.class);
            if (!upload.key().equals(key)) {
                throw noSuchUpload(uploadId);
            }
            return upload;
        } catch (IOException e) {
            throw noSuchUpload(uploadId);
        }
    }

    /** UploadPart: streams like a PUT; a part uploaded again replaces the earlier one. */
    public Upload beginPart(String bucket, String key, String uploadId, int partNumber) {
        multipartUpload(bucket, key, uploadId);
        if (partNumber < 1 || partNumber > MAX_PARTS) {
            throw S3Exception.invalidArgument("Part number must be an integer between 1 and " + MAX_PARTS);
        }
        return new Upload(bucket, key, new PartTarget(uploadId, partNumber));
    }

    /** The upload's parts, by part number. */
    public List<Part> parts(String bucket, String key, String uploadId) {
        multipartUpload(bucket, key, uploadId);
        List<Part> parts = new ArrayList<>();
        try (Stream<Path> files = Files.list(uploadFolder(bucket, uploadId))) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d+\\.json"))
                    .toList()) {
                parts.add(JSON.readValue(f.toFile(), Part.class));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        parts.sort((a, b) -> Integer.compare(a.number(), b.number()));
        return parts;
    }

    /** The uploads in progress in a bucket, oldest first. */
    public List<MultipartUpload> multipartUploads(String bucket) {
        index(bucket);
        List<MultipartUpload> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root.resolve(bucket))) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(MULTIPART_PREFIX))
                    .toList()) {
                try {
                    out.add(JSON.readValue(d.resolve("upload.json").toFile(), MultipartUpload.class));
                } catch (IOException e) {
                    // a folder whose record never made it to disk: not an upload
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> Long.compare(a.initiatedMillis(), b.initiatedMillis()));
        return out;
    }

    /**
     * CompleteMultipartUpload: the listed parts, in ascending order and with their ETags, become the object (each but
     * the last at least 5 MiB); its ETag is the MD5 of the parts' MD5s and the part count, as S3's. The upload's
     * folder goes once the object is committed.
     */
    public Meta completeMultipartUpload(
            String bucket, String key, String uploadId, List<Map.Entry<Integer, String>> requested) {
        MultipartUpload upload = multipartUpload(bucket, key, uploadId);
        if (requested.isEmpty()) {
            throw new S3Exception(
                    400,
                    "MalformedXML",
                    "The XML you provided was not well-formed or did not validate"
                            + " against our published schema (it lists no part).");
        }
        Map<Integer, Part> stored = new LinkedHashMap<>();
        parts(bucket, key, uploadId).forEach(p -> stored.put(p.number(), p));
        int previous = 0;
        for (Map.Entry<Integer, String> r : requested) {
            if (r.getKey() <= previous) {
                throw new S3Exception(
                        400,
                        "InvalidPartOrder",
                        "The list of parts was not in ascending order. The parts list must be specified in order of"
                                + " the part number.");
            }
            previous = r.getKey();
        }
        MessageDigest md5s = digest("MD5");
        List<Part> chosen = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            int number = requested.get(i).getKey();
            Part part = stored.get(number);
            String etag = requested.get(i).getValue();
            if (part == null || !unquote(part.etag()).equals(unquote(etag))) {
                throw new S3Exception(
                        400,
                        "InvalidPart",
                        "One or more of the specified parts could not be found. The part may not have been uploaded,"
                                + " or the specified entity tag may not match the part's entity tag.",
                        Map.of("PartNumber", Integer.toString(number), "ETag", String.valueOf(etag)));
            }
            if (i < requested.size() - 1 && part.size() < MIN_PART_SIZE) {
                throw new S3Exception(
                        400,
                        "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed object size.",
                        Map.of("PartNumber", Integer.toString(number), "ProposedSize", Long.toString(part.size())));
            }
            md5s.update(HexFormat.of().parseHex(unquote(part.etag())));
            chosen.add(part);
        }
        Upload object = beginPut(bucket, key);
        Path folder = uploadFolder(bucket, uploadId);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        for (Part part : chosen) {
            try (FileChannel in = FileChannel.open(folder.resolve(part.number() + ".part"), StandardOpenOption.READ)) {
                while (in.read(buffer.clear()) >= 0) {
                    object.write(buffer.flip());
                }
            } catch (IOException e) {
                object.abort();
                throw new UncheckedIOException(e);
            }
        }
        String etag = "\"" + HexFormat.of().formatHex(md5s.digest()) + "-" + chosen.size() + "\"";
        Meta meta = object.commit(upload.contentType(), Map.of(), upload.userMetadata(), null, etag);
        Folders.deleteRecursively(folder);
        return meta;
    }

    /** AbortMultipartUpload: the parts go. */
    public void abortMultipartUpload(String bucket, String key, String uploadId) {
        multipartUpload(bucket, key, uploadId);
        Folders.deleteRecursively(uploadFolder(bucket, uploadId));
    }

    private Path uploadFolder(String bucket, String uploadId) {
        return root.resolve(bucket).resolve(MULTIPART_PREFIX + uploadId);
    }

    private static String unquote(String etag) {
        return etag == null ? "" : etag.replace("\"", "").trim();
    }

    private static S3Exception noSuchUpload(String uploadId) {
        return new S3Exception(
                404,
                "NoSuchUpload",
                "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload"
                        + " might have been aborted or completed.",
                Map.of("UploadId", uploadId));
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

        /** The multipart upload and part number this writes, or null for a whole object. */
        private final PartTarget part;

        private Upload(String bucket, String key, PartTarget part) {
            this.bucket = bucket;
            this.key = key;
            this.part = part;
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
            return commit(contentType, checksums, userMetadata, sha256Hex, null);
        }

        /** With {@code etag} given (a multipart object's), it replaces the MD5 of the bytes. */
        Meta commit(
                String contentType,
                Map<String, String> checksums,
                Map<String, String> userMetadata,
                String sha256Hex,
                String etag) {
            if (part != null) {
                return commitPart(checksums);
            }
            try {
                FileChannel out = channel(); // an empty object has had no write
                out.force(true);
                out.close();
                closed = true;
                Meta meta = new Meta(
                        key,
                        size,
                        etag != null ? etag : "\"" + HexFormat.of().formatHex(md5Value()) + "\"",
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

        /** A part: its bytes and a sidecar ({@code <n>.part}, {@code <n>.json}) in its upload's folder. */
        private Meta commitPart(Map<String, String> checksums) {
            try {
                FileChannel out = channel();
                out.force(true);
                out.close();
                closed = true;
                Path folder = uploadFolder(bucket, part.uploadId());
                if (!Files.isDirectory(folder)) {
                    throw noSuchUpload(part.uploadId());
                }
                String etag = "\"" + HexFormat.of().formatHex(md5Value()) + "\"";
                Files.move(
                        temp,
                        folder.resolve(part.number() + ".part"),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                Part p = new Part(part.number(), size, etag, clock.millis(), Map.copyOf(checksums));
                writeAtomically(folder.resolve(part.number() + ".json"), JSON.writeValueAsBytes(p));
                syncFolder(folder);
                return new Meta(key, size, etag, p.lastModifiedMillis(), null, null, null, p.checksums(), Map.of());
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

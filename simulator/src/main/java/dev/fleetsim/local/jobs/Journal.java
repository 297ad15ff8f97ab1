package dev.fleetsim.local.jobs;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jobs service's state on disk: a snapshot and a journal of whole-record changes, written with group commit.
 *
 * <p>The engine thread appends a batch (the records one task changed) and names what may happen once it is durable
 * (the answers and notifications of that task). One writer thread takes every batch waiting, writes them, calls
 * {@code fsync} once and then releases what they held, in order; so one {@code fsync} covers as many requests as
 * arrived while the last one ran, and nothing is answered before it is on disk.
 *
 * <p>Format, one line each: {@code R <kind> <id> <json>} (a record), {@code D <kind> <id>} (a delete), and after a
 * batch's lines {@code C <batch> <now> <engine sequence> <crc32c of the batch's lines>}. A batch counts only with
 * its intact commit line: a crash mid-batch loses that batch whole, never part of it, and the torn tail is cut off at
 * the next open. Compaction writes every record to {@code snapshot.log} (a temporary file, synced, renamed over the
 * old one: the commit point) and empties the journal; recovery reads the snapshot, then the journal's batches after
 * it.
 */
final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    static final String SNAPSHOT = "snapshot.log";
    static final String LOG = "journal.log";

    /** What recovery read: the latest text of each record, and the engine's counters as last committed. */
    record Recovered(
            Map<StateChanges.Key, String> latest,
            long batch,
            Instant lastNow,
            long engineSequence,
            long snapshotRecords,
            long journalBatches,
            long journalBytes) {}

    private sealed interface Item permits Batch, Barrier, Snapshot, Stop {}

    private record Batch(long number, byte[] bytes, Runnable durable) implements Item {}

    private record Barrier(Runnable durable) implements Item {}

    private record Snapshot(long batch, byte[] bytes) implements Item {}

    private record Stop() implements Item {}

    private final Path dir;
    private final FileChannel journal;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Engine thread: the last batch number handed over. */
    private long appended;
    /** Written by the writer: the last batch number on disk. */
    private volatile long durable;
    /** Engine thread: journal bytes handed over since the last compaction. */
    private long bytesSinceCompaction;

    private volatile Throwable failure;

    private Journal(Path dir, long lastBatch, long journalBytes) throws IOException {
        this.dir = dir;
        this.journal = FileChannel.open(dir.resolve(LOG), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.journal.position(journal.size());
        this.appended = lastBatch;
        this.durable = lastBatch;
        this.bytesSinceCompaction = journalBytes;
        this.writer = new Thread(this::write, "fleetsim-jobs-journal");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    // ================================================================== recovery

    /** Reads the state in {@code dir} (creating it when missing) and cuts off a torn journal tail. */
    static Recovered read(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<StateChanges.Key, String> latest = new LinkedHashMap<>();
        long batch = 0;
        Instant lastNow = null;
        long engineSequence = 0;
        long snapshotRecords = 0;
        Path snapshot = dir.resolve(SNAPSHOT);
        if (Files.exists(snapshot)) {
            try (BufferedReader in = reader(snapshot)) {
                String header = in.readLine();
                if (header == null || !header.startsWith("S ")) {
                    throw new IOException(snapshot + " is not a fleetsim snapshot");
                }
                String[] h = header.split(" ");
                batch = Long.parseLong(h[1]);
                lastNow = "-".equals(h[2]) ? null : Instant.parse(h[2]);
                engineSequence = Long.parseLong(h[3]);
                CRC32C crc = new CRC32C();
                String line;
                boolean ended = false;
                List<String> records = new ArrayList<>();
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("E ")) {
                        String[] e = line.split(" ");
                        if (Long.parseLong(e[1]) != records.size()
                                || !Long.toHexString(crc.getValue()).equals(e[2])) {
                            throw new IOException(snapshot + " is damaged (its checksum does not match)");
                        }
                        ended = true;
                        break;
                    }
                    records.add(line);
                    crc.update((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
                if (!ended) {
                    throw new IOException(snapshot + " is incomplete");
                }
                records.forEach(r -> apply(latest, r));
                snapshotRecords = records.size();
            }
        }
        long batches = 0;
        long good = 0;
        Path logFile = dir.resolve(LOG);
        if (Files.exists(logFile)) {
            try (FileChannel ch = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8), 1 << 16);
                List<String> pending = new ArrayList<>();
                CRC32C crc = new CRC32C();
                long position = 0;
                String line;
                while ((line = in.readLine()) != null) {
                    position += line.getBytes(StandardCharsets.UTF_8).length + 1;
                    if (line.startsWith("C ")) {
                        String[] c = line.split(" ");
                        if (c.length != 5 || !Long.toHexString(crc.getValue()).equals(c[4])) {
                            break; // torn or damaged: this batch and everything after it never counted
                        }
                        long number = Long.parseLong(c[1]);
                        if (number > batch) {
                            pending.forEach(r -> apply(latest, r));
                            batch = number;
                            lastNow = "-".equals(c[2]) ? lastNow : Instant.parse(c[2]);
                            engineSequence = Long.parseLong(c[3]);
                            batches++;
                        }
                        pending.clear();
                        crc.reset();
                        good = position;
                    } else if (line.startsWith("R ") || line.startsWith("D ")) {
                        pending.add(line);
                        crc.update((line + "\n").getBytes(StandardCharsets.UTF_8));
                    } else {
                        break;
                    }
                }
                if (ch.size() > good) {
                    log.info("journal: cutting a torn tail of {} bytes after batch {}", ch.size() - good, batch);
                    ch.truncate(good);
                    ch.force(true);
                }
            }
        }
        return new Recovered(latest, batch, lastNow, engineSequence, snapshotRecords, batches, good);
    }

    private static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16);
    }

    /** Applies one record line to the latest-records map; a job's delete takes its executions and targets along. */
    private static void apply(Map<StateChanges.Key, String> latest, String line) {
        int a = line.indexOf(' ', 2);
        int b = line.indexOf(' ', a + 1);
        StateChanges.Kind kind = StateChanges.Kind.valueOf(line.substring(2, a));
        String id = b < 0 ? line.substring(a + 1) : line.substring(a + 1, b);
        StateChanges.Key key = new StateChanges.Key(kind, id);
        if (line.charAt(0) == 'D') {
            latest.remove(key);
            if (kind == StateChanges.Kind.JOB) {
                latest.remove(new StateChanges.Key(StateChanges.Kind.TARGETS, id));
                String prefix = id + "/";
                Iterator<StateChanges.Key> keys = latest.keySet().iterator();
                while (keys.hasNext()) {
                    StateChanges.Key k = keys.next();
                    if (k.kind() == StateChanges.Kind.EXECUTION && k.id().startsWith(prefix)) {
                        keys.remove();
                    }
                }
            }
        } else {
            latest.put(key, line.substring(b + 1));
        }
    }

    /** Opens the journal for appending after recovery; starts the writer. */
    static Journal open(Path dir, Recovered recovered) throws IOException {
        return new Journal(dir, recovered.batch(), recovered.journalBytes());
    }

    // ================================================================== writing (engine thread)

    /** One record's line. */
    static String line(StateChanges.Key key, String json) {
        return json == null
                ? "D " + key.kind() + " " + key.id() + "\n"
                : "R " + key.kind() + " " + key.id() + " " + json + "\n";
    }

    /**
     * Hands a batch (its record lines) to the writer; {@code whenDurable} runs on the writer thread once it is on disk.
     * Returns the batch number.
     */
    long append(List<String> lines, Instant now, long engineSequence, Runnable whenDurable) {
        checkHealthy();
        long number = ++appended;
        ByteArrayOutputStream out = new ByteArrayOutputStream(lines.size() * 256 + 64);
        CRC32C crc = new CRC32C();
        for (String l : lines) {
            byte[] b = l.getBytes(StandardCharsets.UTF_8); // encoded once: checksummed and written as is
            crc.update(b);
            out.write(b, 0, b.length);
        }
        String commit = "C " + number + ' ' + (now == null ? "-" : now.toString()) + ' ' + engineSequence + ' '
                + Long.toHexString(crc.getValue()) + '\n';
        byte[] c = commit.getBytes(StandardCharsets.UTF_8);
        out.write(c, 0, c.length);
        byte[] bytes = out.toByteArray();
        bytesSinceCompaction += bytes.length;
        queue.add(new Batch(number, bytes, whenDurable));
        return number;
    }

    /** Runs {@code r} once everything appended so far is on disk: now, when it already is. */
    void whenDurable(Runnable r) {
        if (durable >= appended) {
            r.run();
        } else {
            queue.add(new Barrier(r));
        }
    }

    long bytesSinceCompaction() {
        return bytesSinceCompaction;
    }

    /** Replaces the snapshot with {@code records} (every record as of the last batch appended) and empties the journal. */
    void compact(List<String> records, Instant now, long engineSequence) {
        StringBuilder b = new StringBuilder();
        b.append("S ")
                .append(appended)
                .append(' ')
                .append(now == null ? "-" : now.toString())
                .append(' ')
                .append(engineSequence)
                .append('\n');
        CRC32C crc = new CRC32C();
        for (String r : records) {
            b.append(r);
            crc.update(r.getBytes(StandardCharsets.UTF_8));
        }
        b.append("E ")
                .append(records.size())
                .append(' ')
                .append(Long.toHexString(crc.getValue()))
                .append('\n');
        queue.add(new Snapshot(appended, b.toString().getBytes(StandardCharsets.UTF_8)));
        bytesSinceCompaction = 0;
    }

    private void checkHealthy() {
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("the jobs journal cannot be written: " + f.getMessage(), f);
        }
    }

    // ================================================================== the writer thread

    private void write() {
        List<Item> group = new ArrayList<>();
        boolean running = true;
        while (running) {
            try {
                group.add(queue.take());
                queue.drainTo(group, 4_096);
                List<Item> segment = new ArrayList<>();
                for (Item item : group) {
                    if (item instanceof Snapshot s) {
                        commit(segment);
                        segment.clear();
                        writeSnapshot(s);
                    } else if (item instanceof Stop) {
                        running = false;
                    } else {
                        segment.add(item);
                    }
                }
                commit(segment);
            } catch (InterruptedException e) {
                running = false;
            } catch (IOException | RuntimeException e) {
                failure = e;
                log.error("the jobs journal cannot be written; answers are held back", e);
                running = false;
            } finally {
                group.clear();
            }
        }
    }

    /** Writes the segment's batches, syncs once, then releases what they held, in order. */
    private void commit(List<Item> segment) throws IOException {
        long last = -1;
        for (Item item : segment) {
            if (item instanceof Batch b) {
                ByteBuffer buffer = ByteBuffer.wrap(b.bytes());
                while (buffer.hasRemaining()) {
                    journal.write(buffer);
                }
                last = b.number();
            }
        }
        if (last >= 0) {
            journal.force(false);
            durable = last;
        }
        for (Item item : segment) {
            Runnable r = item instanceof Batch b ? b.durable() : ((Barrier) item).durable();
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("releasing answers after a journal commit failed", e);
            }
        }
    }

    private void writeSnapshot(Snapshot s) throws IOException {
        Path temp = dir.resolve(SNAPSHOT + ".tmp");
        try (FileChannel out = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(s.bytes());
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        Files.move(temp, dir.resolve(SNAPSHOT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncFolder();
        journal.truncate(0);
        journal.position(0);
        journal.force(true);
    }

    private void syncFolder() {
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException e) {
            // not every file system syncs folders; the rename is atomic regardless
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        queue.add(new Stop());
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            journal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.fleetsim.iotcore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.jobs.JobsJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code resources.json}: every resource a run made in the account, written as it is made (before the call for names
 * the run chooses, after it for ids AWS chooses), so that a run killed at any point leaves a record that
 * {@code fleetsim cleanup} can finish from.
 *
 * <p>The file is a JSON array written one element per line and flushed per element; a clean end writes the closing
 * bracket, and {@link #read} also takes a file a crash left open. Thread-safe.
 */
public final class ResourceJournal implements AutoCloseable {
    public static final String FILE = "resources.json";

    /** What a record names. */
    public enum Kind {
        /** The run's CA certificate (RegisterCACertificate): id. */
        caCertificate,
        /** The run's IoT policy: name. */
        policy,
        /** A thing group: name. */
        thingGroup,
        /** A thing: name. */
        thing,
        /** A device certificate: id and ARN. */
        certificate,
        /** A policy attached to a certificate: name and the certificate's ARN. */
        policyAttachment,
        /** A certificate attached to a thing: thing name and the certificate's ARN. */
        thingPrincipal,
        /** A job: id. */
        job
    }

    /** One record: what, its name or id, and the ARN it refers to where one is needed. */
    public record Entry(Kind kind, String id, String arn) {}

    private final Path file;
    private final BufferedWriter out;
    private boolean first = true;

    private ResourceJournal(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Starts {@code dir/resources.json} for run {@code runId}. */
    public static ResourceJournal create(Path dir, String runId, String region, String account) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        BufferedWriter out = Files.newBufferedWriter(
                file,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        ResourceJournal journal = new ResourceJournal(file, out);
        ObjectNode header = JobsJson.mapper().createObjectNode();
        header.put("runId", runId).put("region", region).put("account", account);
        header.put("startedAt", Instant.now().toString());
        journal.write(header);
        return journal;
    }

    public Path file() {
        return file;
    }

    public void record(Kind kind, String id, String arn) {
        ObjectNode o = JobsJson.mapper().createObjectNode();
        o.put("kind", kind.name()).put("id", id);
        if (arn != null) {
            o.put("arn", arn);
        }
        write(o);
    }

    private synchronized void write(ObjectNode o) {
        try {
            out.write(first ? "[\n" : ",\n");
            first = false;
            out.write(JobsJson.mapper().writeValueAsString(o));
            out.flush(); // to the OS: a killed process loses nothing the OS has
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.write("\n]\n");
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    /** The header (run id, region, account) and the records of a journal, complete or left open by a crash. */
    public record Contents(String runId, String region, String account, List<Entry> entries) {}

    public static Contents read(Path file) throws IOException {
        String text = Files.readString(file).strip();
        if (text.isEmpty()) {
            throw new IOException(file + " is empty: the run made nothing");
        }
        if (!text.endsWith("]")) {
            text = text.endsWith(",") ? text.substring(0, text.length() - 1) + "]" : text + "\n]";
        }
        JsonNode array;
        try {
            array = JobsJson.mapper().readTree(text);
        } catch (IOException e) {
            // A crash mid-line: drop the partial last line.
            int cut = text.lastIndexOf("\n,");
            array = JobsJson.mapper().readTree(text.substring(0, Math.max(cut, 1)) + "\n]");
        }
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new IOException(file + " is not a fleetsim resources file");
        }
        JsonNode header = array.get(0);
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i < array.size(); i++) {
            JsonNode e = array.get(i);
            entries.add(new Entry(
                    Kind.valueOf(e.path("kind").asText()),
                    e.path("id").asText(),
                    e.hasNonNull("arn") ? e.get("arn").asText() : null));
        }
        return new Contents(
                header.path("runId").asText(),
                header.path("region").asText(),
                header.path("account").asText(),
                entries);
    }
}

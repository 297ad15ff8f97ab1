package dev.fleetsim.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.fleetsim.fleet.FleetMeters;
import dev.fleetsim.jobs.JobsJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * The coordinator–shard protocol's shapes, in one place. Every message is a JSON object over HTTP/1.1:
 *
 * <pre>
 * POST /shards/{i}/hello   {shards, incarnation, scenario, devices}      → {clock: {simulatedMillis, timeScale}, next}
 * GET  /shards/{i}/events?incarnation=X&amp;after=K  (long poll, 5 s)     → {next, events: [{seq, type, …}]}
 *        types: connect {mqttHost, mqttPort, codeSigning (PEM)}, job {jobId, ageNanos}, offline {from, to, millis},
 *               storm {share, millis, seed}, stop {}; replay: true on events from before this incarnation
 * POST /shards/{i}/report  {incarnation, phase, totals, receipts: [[job, thing, execution, millis]…],
 *                           statuses: [[job, status, millis]…], histograms: {phase: base64}, final}   → {}
 * </pre>
 *
 * A refusal (a shard of another run, an index out of range) is a 409 with {@code {message}}; the shard stops with it.
 */
public final class ShardWire {
    private ShardWire() {}

    static final String RESULTS_SCHEMA = "fleetsim-shard-results/1";

    /** A histogram as base64 of HdrHistogram's compressed encoding: exact, and a few hundred bytes. */
    static String encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), n));
    }

    static Histogram decode(String text) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(text)), 0);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an encoded histogram: " + e.getMessage(), e);
        }
    }

    static ObjectNode totals(FleetMeters.Totals t) {
        return JobsJson.mapper()
                .createObjectNode()
                .put("connects", t.connects())
                .put("connectFailures", t.connectFailures())
                .put("disconnects", t.disconnects())
                .put("requests", t.requests())
                .put("downloadedBytes", t.downloadedBytes())
                .put("connected", t.connected())
                .put("ready", t.ready());
    }

    static FleetMeters.Totals totals(JsonNode n) {
        return new FleetMeters.Totals(
                n.path("connects").asLong(),
                n.path("connectFailures").asLong(),
                n.path("disconnects").asLong(),
                n.path("requests").asLong(),
                n.path("downloadedBytes").asLong(),
                n.path("connected").asInt(),
                n.path("ready").asInt());
    }

    /** Answers an exchange of either side's HTTP server (closing the body ends the exchange). */
    static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** A JSON request to the coordinator; the answer's body as JSON, or an exception naming the status. */
    static JsonNode call(HttpClient http, URI uri, JsonNode body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = response.body().isEmpty()
                ? JobsJson.mapper().createObjectNode()
                : JobsJson.mapper().readTree(response.body());
        if (response.statusCode() == 409) {
            throw new Refused(answer.path("message").asText("refused"));
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + ": HTTP " + response.statusCode() + " "
                    + answer.path("message").asText(""));
        }
        return answer;
    }

    /** The coordinator refused this shard (another run's coordinator, an index out of range): not worth a retry. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }
}

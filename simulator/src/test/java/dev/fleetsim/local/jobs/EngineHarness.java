package dev.fleetsim.local.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.StatusDetailChars;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.local.controlplane.ApiRequest;
import dev.fleetsim.local.controlplane.ApiResponse;
import dev.fleetsim.local.controlplane.ControlPlane;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Jobs service on a manual clock, driven through its HTTP-level API and device requests. */
final class EngineHarness implements AutoCloseable {
    final ManualClock clock;
    final RecordingOutbound outbound = new RecordingOutbound();
    final JobsService service;
    final ControlPlane api;

    EngineHarness(Instant start) {
        this(start, RateIncrease.NEXT_MINUTE);
    }

    EngineHarness(Instant start, RateIncrease rateIncrease) {
        this(new ManualClock(start), rateIncrease, null);
    }

    /** A service on {@code clock} whose state lives in {@code journal} (null: in memory). */
    EngineHarness(ManualClock clock, RateIncrease rateIncrease, Path journal) {
        this(clock, rateIncrease, journal, Retention.DEFAULT);
    }

    /** A service on {@code clock} with its own {@link Retention}. */
    EngineHarness(ManualClock clock, RateIncrease rateIncrease, Path journal, Retention retention) {
        this.clock = clock;
        service = new JobsService(
                new JobsService.Config(
                        clock,
                        new Arns("us-east-1", "123456789012"),
                        true,
                        null,
                        new LocalEndpoints("127.0.0.1:1883", "127.0.0.1:8443"),
                        0,
                        StatusDetailChars.TEXT,
                        rateIncrease,
                        journal,
                        false,
                        retention),
                outbound);
        api = new ControlPlane(service, null, new LocalEndpoints("127.0.0.1:1883", "127.0.0.1:8443"), null, null);
    }

    /** A JSON array of the things' ARNs in the harness's account, for CreateJob targets. */
    static String targets(String... things) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < things.length; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("\"arn:aws:iot:us-east-1:123456789012:thing/")
                    .append(things[i])
                    .append('"');
        }
        return sb.append(']').toString();
    }

    ApiResponse call(String method, String path, String body) {
        return call(method, path, Map.of(), body);
    }

    ApiResponse call(String method, String pathAndQuery, Map<String, String> headers, String body) {
        String path = pathAndQuery;
        Map<String, List<String>> query = new java.util.HashMap<>();
        int q = pathAndQuery.indexOf('?');
        if (q >= 0) {
            path = pathAndQuery.substring(0, q);
            for (String pair : pathAndQuery.substring(q + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(kv[0], List.of(kv.length > 1 ? kv[1] : ""));
            }
        }
        JsonNode json = body == null ? JobsJson.mapper().createObjectNode() : JobsJson.readTree(body);
        try {
            return api.handle(new ApiRequest(method, path, query, headers, json, false))
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls and insists on success. */
    JsonNode ok(String method, String path, String body) {
        ApiResponse response = call(method, path, body);
        if (response.errorType() != null) {
            throw new AssertionError(method + " " + path + " failed: " + response.errorType() + " " + response.body());
        }
        return response.body();
    }

    void things(String... names) {
        for (String name : names) {
            ok("POST", "/things/" + name, "{}");
        }
    }

    void device(String thing, String suffix, String payload) {
        service.onDeviceRequest(
                "client-" + thing,
                "$aws/things/" + thing + "/jobs/" + suffix,
                payload.getBytes(StandardCharsets.UTF_8));
        barrier();
    }

    void advance(Duration d) {
        clock.advance(d);
        tick();
    }

    void tick() {
        try {
            service.tick().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void barrier() {
        try {
            service.describeJob("-").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode job(String jobId) {
        return ok("GET", "/jobs/" + jobId, null).get("job");
    }

    JsonNode execution(String thing, String jobId) {
        return ok("GET", "/things/" + thing + "/jobs/" + jobId, null).get("execution");
    }

    List<Integer> notifiedPerMinute(String jobId) {
        try {
            return service.onEngine(e -> List.copyOf(e.job(jobId).notifiedPerMinute))
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of the service's state, sorted: equal dumps mean equal state. */
    List<String> dump() {
        try {
            return service.onEngine(e -> StateCodec.all(e).stream().sorted().toList())
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        service.close();
    }
}

package dev.fleetsim.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.TestDevice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;

/**
 * {@code fleetsim local --ui}: the console of a standalone stack shows its things as the Jobs service and the broker
 * see them (a connected device that finished its execution, others still queued and not connected), its jobs as
 * DescribeJob gives them, and its actions reach the service: CreateJob, CancelJob, pause.
 */
class StackConsoleIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalStack stack;
    private IotClient iot;
    private StackRun watched;
    private ConsoleServer console;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                        .clock(new VirtualClock(1))
                        .build())
                .get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
        console = ConsoleServer.start("127.0.0.1", 0);
        watched = StackRun.start(stack);
        console.watch(watched);
    }

    @AfterEach
    void stop() {
        console.close();
        watched.close();
        iot.close();
        stack.close();
    }

    private JsonNode state() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(console.url().replace("/?", "/api/state?")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
    }

    private JsonNode awaitState(Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        JsonNode last = state();
        while (!condition.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = state();
        }
        assertThat(condition.test(last)).as(last.toString()).isTrue();
        return last;
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        String token = console.url().substring(console.url().indexOf("token=") + "token=".length());
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + "/api" + path))
                        .header("X-Fleetsim-Token", token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theStacksThingsJobsAndActionsAreLive() throws Exception {
        for (int i = 0; i < 5; i++) {
            String name = "st-" + i;
            iot.createThing(r -> r.thingName(name));
        }
        iot.createThingGroup(r -> r.thingGroupName("st"));
        for (int i = 0; i < 5; i++) {
            String name = "st-" + i;
            iot.addThingToThingGroup(r -> r.thingName(name).thingGroupName("st"));
        }
        // Created from the console: a name in targets is the stack's group.
        HttpResponse<String> created =
                post("/jobs", "{\"jobId\": \"j1\", \"targets\": [\"st\"], \"document\": {\"operation\": \"reboot\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(iot.describeJob(r -> r.jobId("j1")).job().statusAsString()).isEqualTo("IN_PROGRESS");

        // One device connects and finishes its execution; the others stay queued, not connected.
        try (TestDevice device = TestDevice.connect("st-0", stack.mqttPort())) {
            device.subscribe("j1/update/accepted");
            device.publish("j1/update", "{\"status\": \"SUCCEEDED\"}");
            device.await("j1/update/accepted");
            JsonNode frame = awaitState(
                    s -> s.path("fleet").path("cells").path("SUCCEEDED").asInt() == 1
                            && s.path("fleet").path("cells").path("OFFLINE").asInt() == 4
                            && s.path("fleet").path("connected").asInt() == 1);
            assertThat(frame.path("fleet").path("size").asInt()).isEqualTo(5);
            assertThat(frame.path("jobs")
                            .get(0)
                            .path("executions")
                            .path("SUCCEEDED")
                            .asInt())
                    .isEqualTo(1);
            assertThat(frame.path("jobs")
                            .get(0)
                            .path("executions")
                            .path("QUEUED")
                            .asInt())
                    .isEqualTo(4);
        }

        // Pause, then cancel from the console: the service has it.
        assertThat(post("/clock", "{\"paused\": true}").statusCode()).isEqualTo(200);
        awaitState(s -> s.path("clock").path("paused").asBoolean());
        assertThat(post("/jobs/j1/cancel", "{\"force\": true}").statusCode()).isEqualTo(200);
        assertThat(iot.describeJob(r -> r.jobId("j1")).job().statusAsString()).isEqualTo("CANCELED");
        awaitState(s -> s.path("jobs").get(0).path("status").asText().equals("CANCELED"));

        // Device actions have no devices here, and say so.
        HttpResponse<String> storm = post("/storm", "{\"share\": \"50%\", \"for\": \"10s\"}");
        assertThat(storm.statusCode()).isEqualTo(400);
        assertThat(storm.body()).contains("no virtual devices run in this process");

        // A thing added later joins the grid.
        iot.createThing(r -> r.thingName("st-late"));
        awaitState(s -> s.path("fleet").path("size").asInt() == 6);
    }
}

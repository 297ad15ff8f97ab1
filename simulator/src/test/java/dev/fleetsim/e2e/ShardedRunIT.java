package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fleetsim.cli.Cli;
import dev.fleetsim.fleet.Shard;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import dev.fleetsim.shard.Coordinator;
import dev.fleetsim.shard.DeviceShard;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded runs on this machine, through the CLI: {@code fleetsim run FILE --shards 3} starts three device processes
 * (the command the Indexed Job's pods run) against its coordinator and embedded stack. Same seed, same per-status
 * counts and rollout series as the single process; the merged latency histogram counts every device once; a shard
 * killed with SIGKILL mid-rollout is started again and the report names the restart; a shard without its coordinator
 * stops itself.
 */
class ShardedRunIT {
    private static final Path STAGED = Path.of("../scenarios/staged-rollout.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode report(Path dir) throws Exception {
        return JSON.readTree(dir.resolve("report.json").toFile());
    }

    private static List<Integer> series(JsonNode job, String field) {
        List<Integer> out = new ArrayList<>();
        job.path("rollout").path("perMinute").forEach(m -> out.add(m.path(field).asInt()));
        return out;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void threeShardsGiveTheSingleProcesssCountsAndRolloutAndEveryDeviceOnceInTheMergedHistogram() throws Exception {
        Path single = dir.resolve("single");
        Path sharded = dir.resolve("sharded");
        Cli.Outcome one = Cli.run("run", STAGED.toString(), "--report-dir", single.toString());
        Cli.Outcome three = Cli.run("run", STAGED.toString(), "--shards", "3", "--report-dir", sharded.toString());
        assertThat(one.exitCode()).as(one.out() + one.err()).isZero();
        assertThat(three.exitCode()).as(three.out() + three.err()).isZero();
        assertThat(three.out()).contains("barrier: all 3 shards have their devices connected");

        JsonNode a = report(single);
        JsonNode b = report(sharded);
        JsonNode jobA = a.path("jobs").get(0);
        JsonNode jobB = b.path("jobs").get(0);
        assertThat(jobB.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(jobB.path("executions")).isEqualTo(jobA.path("executions"));
        assertThat(jobB.path("executions").path("FAILED").asInt())
                .as("the seeded flaky cohort fails the same way in both")
                .isPositive();
        assertThat(series(jobB, "notified")).isEqualTo(series(jobA, "notified")).isNotEmpty();
        assertThat(series(jobB, "allowed")).isEqualTo(series(jobA, "allowed"));

        int fleet = b.path("devices").asInt();
        assertThat(fleet).isEqualTo(5_000);
        for (String phase : List.of("end-to-end", "install", "notify-to-start", "connect")) {
            assertThat(b.path("phases").path(phase).path("count").asLong())
                    .as(phase)
                    .isEqualTo(fleet);
        }
        assertThat(b.path("mqtt").path("connects").asLong()).isEqualTo(fleet);

        JsonNode shards = b.path("shards");
        assertThat(shards.path("count").asInt()).isEqualTo(3);
        assertThat(shards.path("restarts").asInt()).isZero();
        assertThat(shards.path("lost")).isEmpty();
        long perShard = 0;
        for (JsonNode s : shards.path("each")) {
            assertThat(s.path("state").asText()).isEqualTo("finished");
            perShard += s.path("phases").path("end-to-end").path("count").asLong();
            assertThat(s.path("totals").path("connects").asLong()).isBetween(1666L, 1667L);
        }
        assertThat(perShard).isEqualTo(fleet);

        // report merge over the coordinator's folder gives the same figures from the files alone.
        Path merged = dir.resolve("merged");
        Cli.Outcome m = Cli.run("report", "merge", sharded.toString(), "--out", merged.toString());
        assertThat(m.exitCode()).as(m.out() + m.err()).isZero();
        JsonNode c = report(merged);
        assertThat(c.path("phases")).isEqualTo(b.path("phases"));
        assertThat(c.path("mqtt")).isEqualTo(b.path("mqtt"));
        assertThat(c.path("jobs")).isEqualTo(b.path("jobs"));
        assertThat(Files.readString(merged.resolve("report.html"))).contains("<h2>Shards</h2>");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aShardKilledMidRolloutIsStartedAgainOnItsPersistentSessionsAndEveryExecutionStillEnds() throws Exception {
        Path report = dir.resolve("killed");
        // Persistent sessions: the new process's devices connect to the sessions the killed one left, and must get
        // their subscriptions' messages without subscribing again.
        Path persistent = dir.resolve("staged-persistent.yaml");
        Files.writeString(
                persistent,
                Files.readString(STAGED).replace("  connectRate: 2000", "  connectRate: 2000\n  sessions: persistent"));
        assertThat(Files.readString(persistent)).contains("sessions: persistent");
        CompletableFuture<Cli.Outcome> run = CompletableFuture.supplyAsync(
                () -> Cli.run("run", persistent.toString(), "--shards", "3", "--report-dir", report.toString()));
        Path log = report.resolve("shards/shard-1.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Path log2 = report.resolve("shards/shard-2.log");
        while (System.nanoTime() < deadline && !(devicesReady(log) && devicesReady(log2))) {
            Thread.sleep(100);
        }
        // A running shard serves its readiness, its Prometheus meters and its results so far.
        Matcher endpoint =
                Pattern.compile("/results on (http://127\\.0\\.0\\.1:\\d+)").matcher(Files.readString(log2));
        assertThat(endpoint.find()).as(Files.readString(log2)).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(
                HttpRequest.newBuilder(URI.create(endpoint.group(1) + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create(endpoint.group(1) + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .as("this shard's own devices, the run's scenario")
                .contains("fleetsim_devices_connected 1666.0")
                .contains("scenario=\"staged-rollout\"");
        JsonNode results = JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create(endpoint.group(1) + "/results"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        assertThat(results.path("shard").asInt()).isEqualTo(2);
        assertThat(results.path("totals").path("connected").asInt()).isEqualTo(1666);
        Thread.sleep(4_000); // the job is created after the barrier; 4 s is 4 simulated minutes into the rollout
        Matcher pid = Pattern.compile("joined the coordinator at \\S+ \\(pid (\\d+)\\)")
                .matcher(Files.readString(log));
        assertThat(pid.find()).isTrue();
        ProcessHandle victim = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
        assertThat(victim.parent().map(ProcessHandle::pid))
                .contains(ProcessHandle.current().pid());
        victim.destroyForcibly(); // SIGKILL: nothing flushed, no goodbye
        Cli.Outcome o = run.get(3, TimeUnit.MINUTES);

        String all = o.out() + o.err();
        assertThat(all).contains("shard 1 exited with code 137; starting it again");
        assertThat(all).containsPattern("shard 1 restarted: down [0-9.]+ s");
        JsonNode r = report(report);
        JsonNode job = r.path("jobs").get(0);
        assertThat(job.path("status").asText()).as(all).isEqualTo("COMPLETED");
        JsonNode ex = job.path("executions");
        assertThat(ex.path("QUEUED").asInt() + ex.path("IN_PROGRESS").asInt())
                .as("every execution terminal")
                .isZero();
        assertThat(ex.path("SUCCEEDED").asInt() + ex.path("FAILED").asInt()).isEqualTo(5_000);
        JsonNode shard1 = r.path("shards").path("each").get(1);
        assertThat(r.path("shards").path("restarts").asInt()).isEqualTo(1);
        assertThat(shard1.path("incarnations").asInt()).isEqualTo(2);
        assertThat(shard1.path("state").asText()).isEqualTo("finished");
        JsonNode restart = shard1.path("restartLog").get(0);
        assertThat(restart.path("previousPhase").asText()).isEqualTo("running");
        assertThat(restart.path("devicesConnectedBefore").asInt()).isEqualTo(1667);
        assertThat(restart.path("readyAfterSeconds").asDouble()).isPositive();
        // Its devices connected twice (before and after), the others once.
        assertThat(shard1.path("totals").path("connects").asLong()).isEqualTo(2 * 1667);
        assertThat(Files.readString(report.resolve("report.html"))).contains("down ");
    }

    private static boolean devicesReady(Path shardLog) throws IOException {
        return Files.exists(shardLog) && Files.readString(shardLog).contains("devices ready");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aShardStopsItselfWhenItsCoordinatorIsGoneOrRefusesIt() throws Exception {
        Scenario scenario = ScenarioLoader.load(Path.of("../scenarios/quickstart.yaml"), null);
        Coordinator coordinator =
                Coordinator.start(scenario, new Coordinator.Settings(2, "127.0.0.1", 0, Duration.ofSeconds(5), null));
        List<String> lines = new ArrayList<>();
        try {
            // A shard of another shard count is refused at once, with what to fix.
            DeviceShard.Outcome refused = DeviceShard.run(
                    scenario,
                    new DeviceShard.Settings(
                            new Shard(0, 3),
                            coordinator.localUrl(),
                            Duration.ofSeconds(10),
                            dir.resolve("refused"),
                            "127.0.0.1",
                            -1),
                    lines::add);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.reason()).contains("this run has 2 shards, the shard was started with 3");

            // A shard that joined, then lost its coordinator, stops after its grace with exit 1.
            CompletableFuture<DeviceShard.Outcome> shard = CompletableFuture.supplyAsync(() -> {
                try {
                    return DeviceShard.run(
                            scenario,
                            new DeviceShard.Settings(
                                    new Shard(1, 2),
                                    coordinator.localUrl(),
                                    Duration.ofSeconds(3),
                                    dir.resolve("lost"),
                                    "127.0.0.1",
                                    -1),
                            lines::add);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && lines.stream().noneMatch(l -> l.contains("joined"))) {
                Thread.sleep(50);
            }
            assertThat(lines).anyMatch(l -> l.contains("shard 1/2: joined the coordinator"));
            long closed = System.nanoTime();
            coordinator.close();
            DeviceShard.Outcome lost = shard.get(30, TimeUnit.SECONDS);
            assertThat(lost.exitCode()).isEqualTo(1);
            assertThat(lost.reason()).contains("lost the coordinator");
            // Its grace (3 s) counts from its last contact, at most a report interval (1 s) before the close.
            assertThat(System.nanoTime() - closed).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
        } finally {
            coordinator.close();
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void aShardWithNoCoordinatorAtAllSaysSoAndExits1() {
        Cli.Outcome o = Cli.run(
                "run",
                "../scenarios/quickstart.yaml",
                "--role",
                "devices",
                "--shard",
                "0/2",
                "--coordinator",
                "http://127.0.0.1:1",
                "--grace",
                "1s",
                "--barrier-timeout",
                "2s",
                "--report-dir",
                dir.resolve("alone").toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("no coordinator at http://127.0.0.1:1 within 2 s");
    }
}

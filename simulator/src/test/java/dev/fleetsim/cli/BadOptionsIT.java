package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every subcommand's options through bad values, the way a new user mistypes them: each ends in one clear message
 * naming the option (or the file, line and key), exit code 2, no stack trace, and nothing started.
 */
class BadOptionsIT {
    @TempDir
    static Path dir;

    static Path scenario;
    static Path aFile;
    static Path badEndpoints;

    private static Cli.Outcome run(String... args) {
        return Cli.run(args);
    }

    private static Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @BeforeAll
    static void files() throws IOException {
        scenario = write("ok.yaml", """
                name: ok
                fleet: {count: 2}
                jobs: [{jobId: j, document: {operation: x}}]
                """);
        aFile = write("a-file", "not a folder");
        write("bomb.yaml", "a: &a [*a, *a]\nb: &b [*a, *a, *a]\n");
        write("twice.yaml", "name: a\nname: b\nfleet: {count: 2}\njobs: [{jobId: j, document: {operation: x}}]\n");
        write("nojobs.yaml", "name: a\nfleet: {count: 2}\n");
        write("types.yaml", """
                name: a
                fleet: {count: 2}
                jobs:
                  - jobId: j
                    document: {operation: x}
                    timeoutConfig: {inProgressTimeoutInMinutes: "ten"}
                """);
        write("misspelt.yaml", """
                name: a
                fleet: {count: 2}
                jobs:
                  - jobId: j
                    document: {operation: x}
                    jobExecutionRolloutConfig: {maximumPerMinute: 10}
                """);
        Files.createDirectories(dir.resolve("folder"));
        Path state = Files.createDirectories(dir.resolve("broken-state"));
        badEndpoints = Files.writeString(state.resolve("endpoints.json"), "{bad");
    }

    static Stream<Arguments> mistakes() {
        String s = dir.resolve("ok.yaml").toString();
        String f = dir.resolve("a-file").toString();
        String tcp = "--endpoint=tcp://127.0.0.1:1";
        String state = dir.resolve("state").toString(); // never the default ./.fleetsim/local of the module folder
        List<Arguments> rows = new ArrayList<>();
        // validate / run: scenario files
        rows.add(Arguments.of(List.of("validate", dir.resolve("bomb.yaml").toString()), "unknown key 'a'"));
        rows.add(Arguments.of(List.of("validate", dir.resolve("twice.yaml").toString()), "Duplicate field 'name'"));
        rows.add(Arguments.of(List.of("validate", dir.resolve("nojobs.yaml").toString()), "list at least one job"));
        rows.add(Arguments.of(
                List.of("validate", dir.resolve("types.yaml").toString()),
                "inProgressTimeoutInMinutes: expected a whole number, not 'ten'"));
        rows.add(Arguments.of(List.of("validate", dir.resolve("absent.yaml").toString()), "not found"));
        rows.add(Arguments.of(List.of("run", s, "--report-dir", f), "--report-dir " + f + " is a file"));
        rows.add(Arguments.of(List.of("run", s, "--duration", "0s"), "--duration must be positive"));
        rows.add(Arguments.of(List.of("run", s, "--ui", "--ui-port", "70000"), "--ui-port must be 0-65535"));
        rows.add(Arguments.of(
                List.of("run", s, "--ui", "--ui-bind", "no-such-host.invalid"), "--ui-bind no-such-host.invalid"));
        rows.add(Arguments.of(List.of("run", s, "--duration", "5minutes"), "is not a duration"));
        rows.add(Arguments.of(List.of("run", s, "--metrics-port", "70000"), "--metrics-port must be"));
        rows.add(Arguments.of(List.of("run", s, "--mqtt-port", "-4"), "--mqtt-port"));
        rows.add(Arguments.of(List.of("run", s, "--region", "eu-west-1"), "need --target iot-core"));
        rows.add(Arguments.of(
                List.of("run", s, "--target", "iot-core", "--provisioning", "bogus"),
                "--provisioning must be one of createKeysAndCertificate"));
        rows.add(Arguments.of(List.of("run", s, "--target", "mars"), "'mars' is not one of local, iot-core"));
        // sharded runs: every problem of the sharding options in one message
        rows.add(Arguments.of(
                List.of("run", s, "--role", "devices"),
                "--role devices needs --shard i/N (this process's slice)\n  --role devices needs --coordinator URL"));
        rows.add(Arguments.of(
                List.of("run", s, "--role", "devices", "--shard", "3/3", "--coordinator", "fleetsim:7070"),
                "--shard: a shard is i/n with 0 <= i < n"));
        rows.add(Arguments.of(
                List.of("run", s, "--role", "devices", "--shard", "0/3", "--coordinator", "fleetsim:7070"),
                "--coordinator must be an http:// URL"));
        rows.add(Arguments.of(List.of("run", s, "--role", "coordinator"), "--role coordinator needs --shards N"));
        rows.add(Arguments.of(List.of("run", s, "--role", "boss"), "--role must be coordinator or devices"));
        rows.add(Arguments.of(List.of("run", s, "--shards", "2", "--ui"), "--ui shows the devices of one process"));
        rows.add(Arguments.of(List.of("run", s, "--shard", "0/2"), "--shard and --coordinator need --role devices"));
        rows.add(Arguments.of(
                List.of("run", s, "--shards", "2", "--coordinator-port", "70000"), "--coordinator-port must be"));
        rows.add(Arguments.of(List.of("run", s, "--shards", "2", "--barrier-timeout", "soon"), "is not a duration"));
        rows.add(Arguments.of(
                List.of("report", "merge", dir.resolve("absent").toString(), "--out", f), "no such folder"));
        rows.add(Arguments.of(
                List.of("report", "merge", dir.resolve("folder").toString(), "--out", f), "no shard results"));
        rows.add(Arguments.of(
                List.of(
                        "run",
                        s,
                        "--target",
                        "iot-core",
                        "--endpoints-file",
                        dir.resolve("absent.json").toString()),
                "absent.json: no such file"));
        // cleanup
        rows.add(Arguments.of(List.of("cleanup"), "give REPORT_DIR or --run-id ID"));
        rows.add(Arguments.of(List.of("cleanup", dir.resolve("absent").toString()), "no such file"));
        // local
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--strict", "--quota", "CreatThing=5"),
                "'CreatThing' is neither connectsPerSecond nor one of the APIs with a quota"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--quota", "CreateThing=5"), "--quota needs --strict"));
        rows.add(Arguments.of(List.of("local", "--state-dir", f), "--state-dir " + f + " is a file"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--ui", "--ui-port", "70000"), "--ui-port must be 0-65535"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--ephemeral", "--device-api-rate", "-3"), "--device-api-rate"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--retain-completed-jobs", "0"), "--retain-completed-jobs"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--retain-completed-for", "soon"), "is not a duration"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--retain-completed-for", "0s"),
                "--retain-completed-for must be"));
        rows.add(Arguments.of(List.of("local", "--state-dir", state, "--time-scale", "0"), "--time-scale must be"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--max-object-size", "12 parsecs"), "--max-object-size"));
        rows.add(Arguments.of(List.of("local", "--state-dir", state, "--mqtt-port", "65536"), "--mqtt-port"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--account-id", "42"), "--account-id must be 12 digits"));
        rows.add(Arguments.of(
                List.of("local", "--state-dir", state, "--bind", "10.254.254.254"), "not an address of this machine"));
        // devices
        rows.add(Arguments.of(
                List.of("devices", "--endpoint", "127.0.0.1:1883", "--count", "1"), "write tcp://host:port"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--pattern", "dev-%q"), "--pattern dev-%q"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--loops", "0"), "--loops must be"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "0"), "--count must be"));
        rows.add(Arguments.of(
                List.of("devices", tcp, "--count", "1", "--mqtt-version", "4"),
                "--mqtt-version: '4' is not an MQTT version; write 5 or 3.1.1"));
        rows.add(Arguments.of(
                List.of("devices", tcp, "--count", "1", "--keep-alive", "10s"),
                "--keep-alive: must be whole seconds from 30s to 1200s"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--ca", "/missing.pem"), "no such file"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--duration", "5minutes"), "--duration"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--shard", "3/2"), "--shard"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--bandwidth", "fast"), "--bandwidth"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--progress-step", "101"), "--progress-step"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--metrics-port", "70000"), "--metrics-port"));
        rows.add(Arguments.of(List.of("devices", tcp, "--count", "1", "--cert", f), "--cert and --key go together"));
        rows.add(Arguments.of(
                List.of("devices", "--endpoint", "ssl://127.0.0.1:8883", "--count", "1"), "give the broker's CA"));
        rows.add(Arguments.of(
                List.of("devices", "--endpoint", "ssl://127.0.0.1:8883", "--count", "1", "--ca", f),
                "cannot read the TLS material"));
        // artifact put
        rows.add(Arguments.of(List.of("artifact", "put", f, "--bucket", "Bad_Bucket"), "--bucket Bad_Bucket"));
        rows.add(Arguments.of(List.of("artifact", "put", f, "--bucket", "b"), "--bucket b: a bucket name"));
        rows.add(Arguments.of(List.of("artifact", "put", f, "--bucket", "192.168.1.1"), "not an IP address"));
        rows.add(Arguments.of(List.of("artifact", "put", f, "--bucket", "ok-bucket", "--key", ""), "--key ''"));
        rows.add(Arguments.of(
                List.of("artifact", "put", dir.resolve("folder").toString(), "--bucket", "ok-bucket"), "is a folder"));
        rows.add(Arguments.of(List.of("artifact", "put", f, "--bucket", "ok-bucket", "--expires", "0"), "--expires"));
        rows.add(Arguments.of(
                List.of(
                        "artifact",
                        "put",
                        f,
                        "--bucket",
                        "ok-bucket",
                        "--state-dir",
                        dir.resolve("broken-state").toString()),
                "is not the JSON 'fleetsim local' writes"));
        rows.add(Arguments.of(List.of("artifact"), "Missing command"));
        // bench
        rows.add(Arguments.of(List.of("bench", "jobs-api", "--devices", "0"), "--devices"));
        rows.add(Arguments.of(List.of("bench", "durability", "--rounds", "0"), "--rounds"));
        rows.add(Arguments.of(List.of("bench", "download", "--shaped-rate", "fast"), "--shaped-rate"));
        rows.add(Arguments.of(
                List.of("bench", "fleet", "--idle", "-3", "--devices", "-1"),
                "--devices must be 0 or more (0 skips that part); --idle must be 0 or more"));
        rows.add(Arguments.of(List.of("nonsense"), "Unmatched argument"));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMistakeIsOneClearMessageAndExitCode2(List<String> args, String expected) {
        Cli.Outcome o = run(args.toArray(String[]::new));

        String all = o.out() + o.err();
        assertThat(o.exitCode()).as(all).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(o.err()).as(all).contains(expected);
        assertThat(all).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void everySubcommandPrintsTheVersion() {
        String version = run("--version").out().strip();
        assertThat(version).startsWith("fleetsim ");
        for (List<String> command : List.of(
                List.of("run"),
                List.of("local"),
                List.of("devices"),
                List.of("validate"),
                List.of("bench"),
                List.of("bench", "download"),
                List.of("artifact"),
                List.of("artifact", "put"))) {
            List<String> args = new ArrayList<>(command);
            args.add("--version");
            Cli.Outcome o = run(args.toArray(String[]::new));
            assertThat(o.exitCode()).as(command.toString()).isZero();
            assertThat(o.out().strip()).as(command.toString()).isEqualTo(version);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFleetThatCannotConnectSaysWhyAndFails() {
        Cli.Outcome o = run("devices", "--endpoint", "tcp://127.0.0.1:1", "--count", "2", "--duration", "3s");

        assertThat(o.exitCode()).as(o.out() + o.err()).isEqualTo(ExitCodes.FAILED);
        assertThat(o.err())
                .contains("no device could connect to tcp://127.0.0.1:1")
                .contains("refused");
    }
}

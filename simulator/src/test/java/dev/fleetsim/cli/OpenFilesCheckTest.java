package dev.fleetsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetsim.fleet.Shard;
import dev.fleetsim.metrics.ProcessMeters;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run this process cannot hold under its open-files limit is refused up front, with what to do instead (before,
 * 15,000 devices with the embedded stack under a 20,000 limit printed "Too many open files" traces and waited for its
 * timeout).
 */
class OpenFilesCheckTest {
    @TempDir
    Path dir;

    private Scenario fleetOf(int count) throws Exception {
        Path f = Files.writeString(
                dir.resolve("s" + count + ".yaml"),
                "name: n\nfleet: {count: " + count + "}\njobs: [{jobId: j, document: {operation: x}}]\n");
        return ScenarioLoader.load(f);
    }

    private static RunCommand run(String... args) {
        return (RunCommand) FleetsimCommand.commandLine()
                .parseArgs(args)
                .subcommand()
                .commandSpec()
                .userObject();
    }

    @Test
    void aSingleProcessRunWithTheEmbeddedStackNeedsTwoFilesPerDeviceAndIsToldHowManyShards() throws Exception {
        RunCommand single = run("run", "x.yaml");
        assertThatCode(() -> single.sharding.checkOpenFiles(fleetOf(9_000), null, null, 20_000))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> single.sharding.checkOpenFiles(fleetOf(15_000), null, null, 20_000))
                .isInstanceOf(UserInputException.class)
                .hasMessage("15,000 devices with the embedded stack (a socket at each end) need about 31,500 open"
                        + " files; this process may open 20,000: run it as --shards 2 (the devices go to child"
                        + " processes), or raise the limit (ulimit -n)");
    }

    @Test
    void aCoordinatorHoldsTheBrokersSideOnlyAndAShardItsSlice() throws Exception {
        RunCommand coordinator = run("run", "x.yaml", "--shards", "3");
        assertThatCode(() -> coordinator.sharding.checkOpenFiles(fleetOf(15_000), null, null, 20_000))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> coordinator.sharding.checkOpenFiles(fleetOf(19_000), null, null, 20_000))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("the embedded stack's side of 19,000 devices need about 20,500 open files")
                .hasMessageContaining("raise the limit");

        RunCommand shard = run("run", "x.yaml", "--role", "devices", "--shard", "0/4", "--coordinator", "http://c:1");
        assertThatCode(() -> shard.sharding.checkOpenFiles(fleetOf(60_000), null, new Shard(0, 4), 20_000))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> shard.sharding.checkOpenFiles(fleetOf(100_000), null, new Shard(0, 4), 20_000))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("this shard's 25,000 devices need about 25,300 open files");
    }

    @Test
    void theLimitTheCheckReadsIsThisProcesssOwn() {
        assertThat(ProcessMeters.maxOpenFiles()).as("ulimit -n of this JVM").isPositive();
    }
}

package dev.fleetsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every scenario shipped in {@code scenarios/} loads and validates. */
class ShippedScenariosTest {
    private static final Path SCENARIOS = Path.of("..", "scenarios");

    @Test
    void everyShippedScenarioIsValid() throws Exception {
        List<Path> files = yamlFiles();
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            Scenario scenario = ScenarioLoader.load(file);
            assertThat(scenario.jobs().isEmpty() && scenario.duration() == null)
                    .as(file + " has jobs or a duration")
                    .isFalse();
        }
    }

    @Test
    void quickstartIsTheHundredDeviceSignedUpdate() throws Exception {
        Scenario quickstart = ScenarioLoader.load(SCENARIOS.resolve("quickstart.yaml"));

        assertThat(quickstart.fleet().count()).isEqualTo(100);
        assertThat(quickstart.jobs()).hasSize(1);
        assertThat(quickstart.jobs().get(0).targets()).isEmpty();
        assertThat(quickstart.artifacts())
                .singleElement()
                .satisfies(a -> assertThat(a.signed()).isTrue());
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.list(SCENARIOS)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}

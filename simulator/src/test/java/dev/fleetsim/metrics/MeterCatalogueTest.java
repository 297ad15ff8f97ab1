package dev.fleetsim.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The catalogue follows its naming scheme, and the README's metric tables list exactly the catalogue. */
class MeterCatalogueTest {
    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

    @Test
    void everyMeterFollowsTheNamingScheme() {
        Set<String> exposed = new HashSet<>();
        for (Meter meter : Meter.values()) {
            String name = meter.exposedName();
            assertThat(exposed.add(name)).as("%s is unique", name).isTrue();
            assertThat(name).matches(SNAKE).startsWith("fleetsim_");
            assertThat(name.startsWith("fleetsim_local_")).as(name).isEqualTo(meter.side() == Meter.Side.LOCAL);
            switch (meter.type()) {
                case COUNTER -> assertThat(name).endsWith("_total");
                case TIMER -> assertThat(name).endsWith("_seconds");
                case GAUGE -> assertThat(name).doesNotEndWith("_total");
            }
            assertThat(meter.help()).as(name).isNotBlank().doesNotEndWith(".");
            for (String label : meter.labels()) {
                assertThat(label).as(name).matches(SNAKE);
                assertThat(Meter.FORBIDDEN_LABELS).as(name).doesNotContain(label);
            }
        }
    }

    @Test
    void theReadmeListsExactlyTheCatalogue() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Metric catalogue"), readme.indexOf("### Dashboards"));
        Map<String, List<String>> documented = new LinkedHashMap<>();
        Matcher row =
                Pattern.compile("(?m)^\\| `(fleetsim_[a-z_]+)` \\|([^|]*)\\|").matcher(section);
        while (row.find()) {
            List<String> labels = new ArrayList<>();
            Matcher label = Pattern.compile("`([a-z_]+)`").matcher(row.group(2));
            while (label.find()) {
                labels.add(label.group(1));
            }
            documented.put(row.group(1), labels);
        }
        Map<String, List<String>> catalogue = new LinkedHashMap<>();
        for (Meter meter : Meter.values()) {
            catalogue.put(meter.exposedName(), meter.labels());
        }
        assertThat(documented).isEqualTo(catalogue);
    }

    @Test
    void phasesAreFoundByTheirLabels() {
        for (Phase phase : Phase.values()) {
            assertThat(Phase.byLabel(phase.label())).contains(phase);
        }
        assertThat(Phase.byLabel("end-to-edn")).isEmpty();
        assertThat(Phase.labels()).isEqualTo("connect, notify-to-start, download, install, report, end-to-end");
    }
}

package dev.fleetsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({
        "500ms, 500",
        "30s, 30000",
        "1.5s, 1500",
        "2m, 120000",
        "2min, 120000",
        "1h, 3600000",
        "1d, 86400000",
        "' 10 s ', 10000",
        "3m30s, 210000",
        "1h15m, 4500000",
        "1m500ms, 60500",
        "2h 30m, 9000000"
    })
    void parsesDurations(String text, long millis) {
        assertThat(Units.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "ten s", "5 weeks", "-1s", "1e3ms", "3m30", "m30s"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Units.parseDuration(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a duration");
    }
}

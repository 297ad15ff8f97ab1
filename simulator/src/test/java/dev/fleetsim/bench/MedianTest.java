package dev.fleetsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MedianTest {
    @Test
    void middleOfOddMeanOfTwoMiddlesOfEvenNanOfNone() {
        assertThat(Median.of(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
        assertThat(Median.of(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Median.of(List.of())).isNaN();
    }
}

package dev.fleetsim.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronTest {

    @Test
    void weekdayNightWindowMatchesItsMinutesOnly() {
        Cron cron = Cron.parse("cron(30 2 ? * MON-FRI *)");
        assertThat(cron.matches(Instant.parse("2026-11-30T02:30:00Z")))
                .as("Monday")
                .isTrue();
        assertThat(cron.matches(Instant.parse("2026-11-30T02:30:59Z"))).isTrue();
        assertThat(cron.matches(Instant.parse("2026-11-30T02:31:00Z"))).isFalse();
        assertThat(cron.matches(Instant.parse("2026-11-29T02:30:00Z")))
                .as("Sunday")
                .isFalse();
        assertThat(cron.inWindow(Instant.parse("2026-11-30T03:29:59Z"), 60)).isTrue();
        assertThat(cron.inWindow(Instant.parse("2026-11-30T03:30:00Z"), 60)).isFalse();
    }

    @Test
    void awsDayOfWeekOneIsSundayAndStepsAndListsWork() {
        assertThat(Cron.parse("0 12 ? * 1 *").matches(Instant.parse("2026-11-29T12:00:00Z")))
                .isTrue();
        Cron every15 = Cron.parse("cron(0/15 8,20 1-5 JAN,NOV ? 2026)");
        assertThat(every15.matches(Instant.parse("2026-11-03T20:45:00Z"))).isTrue();
        assertThat(every15.matches(Instant.parse("2026-11-03T20:50:00Z"))).isFalse();
        assertThat(every15.matches(Instant.parse("2026-11-06T20:45:00Z"))).isFalse();
        assertThat(every15.matches(Instant.parse("2027-11-03T20:45:00Z"))).isFalse();
    }

    @Test
    void nextStartsAreInOrder() {
        assertThat(Cron.parse("cron(0 2 ? * SAT,SUN *)").next(Instant.parse("2026-11-28T03:00:00Z"), 3, 30))
                .containsExactly(
                        Instant.parse("2026-11-29T02:00:00Z"),
                        Instant.parse("2026-12-05T02:00:00Z"),
                        Instant.parse("2026-12-06T02:00:00Z"));
    }

    @Test
    void badExpressionsSayWhatIsWrong() {
        assertThatThrownBy(() -> Cron.parse("0 2 * *")).hasMessageContaining("6 fields");
        assertThatThrownBy(() -> Cron.parse("cron(61 2 ? * * *)")).hasMessageContaining("minutes");
        assertThatThrownBy(() -> Cron.parse("cron(0 2 L * ? *)")).hasMessageContaining("day-of-month");
    }
}

package dev.fleetsim.local.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.aws.ApiQuotas;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** IoT Core's broker limits (spec §11.1) as the strict broker counts them. */
class BrokerLimitsTest {
    private final BrokerLimits limits = new BrokerLimits(ApiQuotas.defaults("eu-central-1"));

    @Test
    void aClientIdConnectsOncePerSecond() {
        assertThat(limits.connectAllowed("thing-1")).isTrue();
        assertThat(limits.connectAllowed("thing-1"))
                .as("again within the second")
                .isFalse();
        assertThat(limits.connectAllowed("thing-2")).isTrue();
    }

    @Test
    void theAccountConnectsAtItsRate() {
        BrokerLimits small =
                new BrokerLimits(ApiQuotas.defaults("eu-central-1").with(Map.of("connectsPerSecond", 5.0)));
        int admitted = 0;
        for (int i = 0; i < 50; i++) {
            if (small.connectAllowed("c-" + i)) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(5, 6); // a second's burst, and what refills while the loop runs
    }

    @Test
    void sevenSlashesAtMostWithRulesTopicsExemptFromThree() {
        assertThat(limits.tooDeep("$aws/things/t/jobs/job-1/update/accepted")).isFalse(); // 6
        assertThat(limits.tooDeep("a/b/c/d/e/f/g/h")).isFalse(); // 7
        assertThat(limits.tooDeep("a/b/c/d/e/f/g/h/i")).isTrue(); // 8
        assertThat(limits.tooDeep("$aws/rules/r/a/b/c/d/e/f/g/h")).isFalse(); // 10, 3 of them exempt
        assertThat(limits.tooDeep("$aws/rules/r/a/b/c/d/e/f/g/h/i")).isTrue(); // 11
        assertThat(limits.tooDeep("$aws/things/r/a/b/c/d/e/f/g/h")).isTrue(); // 10, none exempt
    }

    @Test
    void eightFiltersPerSubscribe() {
        assertThat(limits.tooManyFilters(8)).isFalse();
        assertThat(limits.tooManyFilters(9)).isTrue();
    }
}

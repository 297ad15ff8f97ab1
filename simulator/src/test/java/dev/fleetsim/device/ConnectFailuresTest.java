package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** Failed connects are counted, and the first one's innermost cause is kept. */
class ConnectFailuresTest {
    @Test
    void countsEveryFailureAndKeepsTheRootCauseOfTheFirst() {
        ConnectFailures failures = new ConnectFailures();
        assertThat(failures.count()).isZero();
        assertThat(failures.firstRootCause()).isNull();

        ConnectException root = new ConnectException("Connection refused");
        failures.connectFailed("a", 1, new IllegalStateException("connect failed", new IOException("io", root)));
        failures.connectFailed("b", 2, new IllegalStateException("no SUBACK in time"));

        assertThat(failures.count()).isEqualTo(2);
        assertThat(failures.firstRootCause()).isSameAs(root);
    }
}

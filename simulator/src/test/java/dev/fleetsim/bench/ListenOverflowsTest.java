package dev.fleetsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the kernel's accept-queue overflows from {@code /proc/net/netstat}'s layout. */
class ListenOverflowsTest {
    @Test
    void theValueIsTakenFromTheTcpExtLinesByName() {
        List<String> netstat = List.of(
                "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops",
                "TcpExt: 1 2 433 440",
                "IpExt: InNoRoutes ListenOverflows",
                "IpExt: 0 99");

        assertThat(ListenOverflows.parse(netstat)).isEqualTo(433);
    }

    @Test
    void aKernelThatDoesNotSayGivesMinusOne() {
        assertThat(ListenOverflows.parse(List.of("TcpExt: SyncookiesSent", "TcpExt: 1")))
                .isEqualTo(-1);
        assertThat(ListenOverflows.parse(List.of())).isEqualTo(-1);
    }

    @Test
    void thisKernelsNetstatIsRead() {
        assertThat(ListenOverflows.now())
                .as("/proc/net/netstat of this Linux machine")
                .isNotNegative();
    }
}

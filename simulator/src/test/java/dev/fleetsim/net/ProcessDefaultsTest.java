package dev.fleetsim.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessDefaultsTest {
    @Test
    void setsItsDefaultsUnlessTheUserChoseOthers() {
        String groups = System.getProperty("jdk.tls.namedGroups");
        String rx = System.getProperty("rx2.buffer-size");
        try {
            System.clearProperty("jdk.tls.namedGroups");
            System.clearProperty("rx2.buffer-size");
            ProcessDefaults.apply();
            assertThat(System.getProperty("jdk.tls.namedGroups")).isEqualTo("x25519,secp256r1,secp384r1");
            assertThat(System.getProperty("rx2.buffer-size")).isEqualTo("16");

            System.setProperty("jdk.tls.namedGroups", "secp384r1");
            System.setProperty("rx2.buffer-size", "128");
            ProcessDefaults.apply();
            assertThat(System.getProperty("jdk.tls.namedGroups")).isEqualTo("secp384r1");
            assertThat(System.getProperty("rx2.buffer-size")).isEqualTo("128");
        } finally {
            restore("jdk.tls.namedGroups", groups);
            restore("rx2.buffer-size", rx);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}

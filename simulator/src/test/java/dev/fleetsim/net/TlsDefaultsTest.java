package dev.fleetsim.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TlsDefaultsTest {
    @Test
    void offersIotCoresGroupsUnlessTheUserChoseOthers() {
        String saved = System.getProperty("jdk.tls.namedGroups");
        try {
            System.clearProperty("jdk.tls.namedGroups");
            TlsDefaults.apply();
            assertThat(System.getProperty("jdk.tls.namedGroups")).isEqualTo("x25519,secp256r1,secp384r1");

            System.setProperty("jdk.tls.namedGroups", "secp384r1");
            TlsDefaults.apply();
            assertThat(System.getProperty("jdk.tls.namedGroups")).isEqualTo("secp384r1");
        } finally {
            if (saved == null) {
                System.clearProperty("jdk.tls.namedGroups");
            } else {
                System.setProperty("jdk.tls.namedGroups", saved);
            }
        }
    }
}

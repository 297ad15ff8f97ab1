package dev.fleetsim.net;

/**
 * TLS settings fleetsim applies to its whole process before the first TLS context is built, unless the user set them.
 *
 * <p>Key-exchange groups: {@code x25519, secp256r1, secp384r1}, what AWS IoT Core and the AWS IoT device SDKs
 * negotiate. Without it, netty-tcnative's BoringSSL also offers the post-quantum hybrid X25519MLKEM768 and computes
 * its key share for every handshake, though brokers like IoT Core, mosquitto and HiveMQ CE do not select it: about
 * a tenth of a device's mutual-TLS connect CPU (measured with {@code fleetsim bench connect}). Netty's OpenSSL
 * contexts and the JDK's both read {@code jdk.tls.namedGroups}; set it yourself (through {@code
 * FLEETSIM_JAVA_OPTS=-Djdk.tls.namedGroups=...}) to offer others.
 */
public final class TlsDefaults {
    public static final String NAMED_GROUPS = "x25519,secp256r1,secp384r1";

    private TlsDefaults() {}

    /** Applies the defaults where the process has no setting of its own. */
    public static void apply() {
        if (System.getProperty("jdk.tls.namedGroups") == null) {
            System.setProperty("jdk.tls.namedGroups", NAMED_GROUPS);
        }
    }
}

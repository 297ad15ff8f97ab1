package dev.fleetsim.net;

/**
 * Settings fleetsim gives its whole process before the libraries that read them load, unless the user set them
 * (through {@code FLEETSIM_JAVA_OPTS=-D...}).
 *
 * <ul>
 *   <li>{@code jdk.tls.namedGroups=x25519,secp256r1,secp384r1}: the key-exchange groups AWS IoT Core and the AWS IoT
 *       device SDKs negotiate. Without it, netty-tcnative's BoringSSL also offers the post-quantum hybrid
 *       X25519MLKEM768 and computes its key share at every handshake, though IoT Core, mosquitto and HiveMQ CE do not
 *       select it: about a tenth of a device's mutual-TLS connect CPU ({@code fleetsim bench connect}). Netty's
 *       OpenSSL contexts and the JDK both read it.
 *   <li>{@code rx2.buffer-size=16}: the prefetch of RxJava's operators. Part of every HiveMQ client's
 *       per-connection arrays follow it: RxJava's default of 128 costs each idle device about 450 bytes more
 *       (measured with {@code fleetsim bench fleet --idle}); a device gets a few messages per job, and the client
 *       holds the rest back rather than dropping them.
 * </ul>
 */
public final class ProcessDefaults {
    public static final String NAMED_GROUPS = "x25519,secp256r1,secp384r1";
    public static final String RX_BUFFER_SIZE = "16";

    private ProcessDefaults() {}

    /** Applies the defaults where the process has no setting of its own; call it first thing in {@code main}. */
    public static void apply() {
        setIfAbsent("jdk.tls.namedGroups", NAMED_GROUPS);
        setIfAbsent("rx2.buffer-size", RX_BUFFER_SIZE);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}

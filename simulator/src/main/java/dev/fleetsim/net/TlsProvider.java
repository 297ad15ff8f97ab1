package dev.fleetsim.net;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation devices and downloads use: OpenSSL (BoringSSL through netty-tcnative) where it loads, which
 * Netty, and so the HiveMQ client, picks by default; else the JDK's. {@code -Dio.netty.handler.ssl.noOpenSsl=true}
 * chooses the JDK. A mutual-TLS connect costs the device side about four times more CPU over the JDK ({@code fleetsim
 * bench connect}).
 */
public final class TlsProvider {
    private TlsProvider() {}

    /** The provider a client context gets: what Netty picks by default, and so what the HiveMQ client uses. */
    public static SslProvider provider() {
        return SslContext.defaultClientProvider();
    }

    /** For people: "OpenSSL (BoringSSL, netty-tcnative)" or "JDK". */
    public static String describe() {
        return provider() == SslProvider.JDK ? "JDK" : "OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative)";
    }
}

package dev.fleetsim.local.broker;

import dev.fleetsim.local.jobs.Registry;
import dev.fleetsim.net.TokenBucket;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live connections authenticated with a certificate, and what each may do: the grant its policies give it,
 * evaluated once per action and resource and kept until the grant changes. Thread-safe: broker threads authorize,
 * the re-evaluation after a registry change replaces grants.
 */
final class TlsConnections {
    /** One connection. */
    static final class Connection {
        final String token;
        final String certificateId;
        final String clientId;
        final boolean mqtt5;
        private volatile Registry.ConnectionGrant grant;
        /** "action resource" → allowed; cleared when the grant changes, bounded. */
        private final Map<String, Boolean> decisions = new ConcurrentHashMap<>();

        /** Strict mode's PUBLISHes per second for this connection; null (unlimited) otherwise. */
        private final TokenBucket publishes;

        Connection(
                String token,
                String certificateId,
                String clientId,
                boolean mqtt5,
                Registry.ConnectionGrant grant,
                double publishesPerSecond) {
            this.publishes = publishesPerSecond > 0 ? TokenBucket.perSecond(publishesPerSecond) : null;
            this.token = token;
            this.certificateId = certificateId;
            this.clientId = clientId;
            this.mqtt5 = mqtt5;
            this.grant = grant;
        }

        /** Whether {@code action} on {@code type/name} (e.g. {@code topic/a/b}) is allowed now. */
        boolean allows(String action, String type, String name) {
            String key = action + ' ' + type + '/' + name;
            Boolean known = decisions.get(key);
            if (known != null) {
                return known;
            }
            Registry.ConnectionGrant g = grant;
            boolean allowed = g.active() && g.allows(action, g.context().arn(type, name));
            if (decisions.size() > 1_024) {
                decisions.clear();
            }
            decisions.put(key, allowed);
            return allowed;
        }

        /** Takes one of the connection's publishes per second; false when over IoT Core's rate. */
        boolean publishAllowed() {
            return publishes == null || publishes.tryTake();
        }

        void update(Registry.ConnectionGrant newGrant) {
            grant = newGrant;
            decisions.clear();
        }
    }

    private final Map<String, Connection> byClientId = new ConcurrentHashMap<>();

    void add(Connection c) {
        byClientId.put(c.clientId, c);
    }

    /** The connection of {@code clientId} whose attribute token is {@code token}, or null (plain, or gone). */
    Connection find(String clientId, String token) {
        Connection c = byClientId.get(clientId);
        return c != null && c.token.equals(token) ? c : null;
    }

    /** A connection ended; a newer one of the same client id (a takeover) stays. */
    void remove(String clientId, String token) {
        byClientId.computeIfPresent(clientId, (k, c) -> c.token.equals(token) ? null : c);
    }

    void remove(Connection c) {
        byClientId.remove(c.clientId, c);
    }

    Collection<Connection> all() {
        return byClientId.values();
    }
}

package dev.fleetsim.local.broker;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.net.TokenBucket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * IoT Core's message-broker limits as a strict broker enforces them (spec §11.1): CONNECTs per second for the account
 * and per client id, forward slashes in a topic or filter, filters in one SUBSCRIBE. What the broker answers when one
 * is broken is {@link EmbeddedBroker}'s; this class only says whether it is. Thread-safe: asked on broker threads.
 */
final class BrokerLimits {
    private final ApiQuotas quotas;
    private final TokenBucket connects;
    /** Each client id's last admitted CONNECT (System.nanoTime()); pruned of entries past the per-id window. */
    private final Map<String, Long> lastConnect = new ConcurrentHashMap<>();

    private final long perClientNanos;

    BrokerLimits(ApiQuotas quotas) {
        this.quotas = quotas;
        this.connects = TokenBucket.perSecond(quotas.connectsPerSecond());
        this.perClientNanos = (long) (1e9 / quotas.connectsPerClientIdPerSecond());
    }

    /**
     * Whether a CONNECT of {@code clientId} is within the account's rate and at least the per-id window after that
     * client id's last admitted one (a client that reconnects sooner is refused, as IoT Core refuses it).
     */
    boolean connectAllowed(String clientId) {
        long now = System.nanoTime();
        boolean[] admitted = {false};
        lastConnect.compute(clientId, (id, last) -> {
            if ((last != null && now - last < perClientNanos) || !connects.tryTake()) {
                return last;
            }
            admitted[0] = true;
            return now;
        });
        if (lastConnect.size() > 10_000) {
            lastConnect.values().removeIf(t -> now - t >= perClientNanos);
        }
        return admitted[0];
    }

    /** Whether a topic or filter has more forward slashes than IoT Core allows ({@code $aws/rules/…} is exempt from 3). */
    boolean tooDeep(String topic) {
        int slashes = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                slashes++;
            }
        }
        int exempt = topic.startsWith("$aws/rules/") ? 3 : 0;
        return slashes - exempt > quotas.maxTopicSlashes();
    }

    /** Whether one SUBSCRIBE carries more filters than IoT Core takes. */
    boolean tooManyFilters(int filters) {
        return filters > quotas.subscriptionsPerSubscribe();
    }

    double publishesPerConnectionPerSecond() {
        return quotas.publishesPerConnectionPerSecond();
    }
}

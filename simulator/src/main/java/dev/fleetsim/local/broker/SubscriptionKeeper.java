package dev.fleetsim.local.broker;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.interceptor.suback.SubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.suback.parameter.SubackOutboundOutput;
import com.hivemq.extension.sdk.api.interceptor.subscribe.SubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.SubscribePacket;
import com.hivemq.extension.sdk.api.packets.subscribe.Subscription;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.builder.TopicSubscriptionBuilder;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import com.hivemq.extension.sdk.api.services.subscription.TopicSubscription;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds every SUBACK until the client's session shows the filters it grants, adding back any the broker dropped.
 *
 * <p>HiveMQ CE 2025.5 can grant a SUBSCRIBE of several filters without storing it: its batched subscribe looks the
 * client's session up in a plain {@code HashMap} that the session writer may be resizing at that moment (a connect
 * storm), finds none, and skips the filters while the SUBACK still grants them. The device's own requests are then
 * answered (the answer path re-subscribes it) but {@code notify-next} never reaches it, and its execution stays QUEUED
 * for good. IoT Core keeps what it grants, so the stack makes sure of it before the client hears the SUBACK: about one
 * device in several hundred thousand connects during 5,000-device connect storms here.
 */
final class SubscriptionKeeper {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionKeeper.class);

    /** Checks of one SUBACK before it goes out as it is. */
    static final int ATTEMPTS = 5;

    private static final Duration RETRY = Duration.ofMillis(20);
    /** How long HiveMQ waits for the check before sending the SUBACK anyway. */
    private static final Duration HOLD = Duration.ofSeconds(5);

    private final SubscriptionStore store;
    private final ScheduledExecutorService executor;
    private final Counter restored;
    /** client id → SUBSCRIBE packet id → the subscriptions it asked for, until its SUBACK. */
    private final Map<String, Map<Integer, List<TopicSubscription>>> asked = new ConcurrentHashMap<>();
    /**
     * Test seam for the fault the keeper mends, which cannot be caused at will: what runs between the broker granting
     * a SUBSCRIBE and the check (a test removes what was granted there, as the race does).
     */
    volatile BiFunction<SubscriptionStore, String, CompletableFuture<?>> beforeCheck =
            (store, clientId) -> CompletableFuture.completedFuture(null);

    SubscriptionKeeper(SubscriptionStore store, ScheduledExecutorService executor, Counter restored) {
        this.store = store;
        this.executor = executor;
        this.restored = restored;
    }

    SubscribeInboundInterceptor onSubscribe() {
        return (in, out) -> {
            SubscribePacket packet = in.getSubscribePacket();
            List<TopicSubscription> subscriptions =
                    new ArrayList<>(packet.getSubscriptions().size());
            for (Subscription s : packet.getSubscriptions()) {
                TopicSubscriptionBuilder b = Builders.topicSubscription().fromSubscription(s);
                packet.getSubscriptionIdentifier().ifPresent(b::subscriptionIdentifier);
                subscriptions.add(b.build());
            }
            asked.computeIfAbsent(in.getClientInformation().getClientId(), c -> new ConcurrentHashMap<>())
                    .put(packet.getPacketId(), subscriptions);
        };
    }

    SubackOutboundInterceptor onSuback() {
        return (in, out) -> {
            String clientId = in.getClientInformation().getClientId();
            Map<Integer, List<TopicSubscription>> byPacket = asked.get(clientId);
            List<TopicSubscription> subscriptions = byPacket == null
                    ? null
                    : byPacket.remove(in.getSubackPacket().getPacketIdentifier());
            if (subscriptions == null) {
                return;
            }
            List<TopicSubscription> granted =
                    granted(subscriptions, in.getSubackPacket().getReasonCodes());
            if (granted.isEmpty()) {
                return;
            }
            Async<SubackOutboundOutput> hold = out.async(HOLD);
            beforeCheck.apply(store, clientId).whenComplete((v, e) -> check(clientId, granted, 1, hold::resume));
        };
    }

    SubscriptionStore store() {
        return store;
    }

    /** The client is gone: its SUBSCRIBEs without a SUBACK are forgotten. */
    void forget(String clientId) {
        asked.remove(clientId);
    }

    /**
     * The subscriptions a SUBACK grants, at the QoS it grants; shared subscriptions are left to the broker (the session
     * shows them under another filter).
     */
    static List<TopicSubscription> granted(List<TopicSubscription> subscriptions, List<SubackReasonCode> codes) {
        List<TopicSubscription> granted = new ArrayList<>();
        for (int i = 0; i < Math.min(subscriptions.size(), codes.size()); i++) {
            Qos qos = switch (codes.get(i)) {
                case GRANTED_QOS_0 -> Qos.AT_MOST_ONCE;
                case GRANTED_QOS_1 -> Qos.AT_LEAST_ONCE;
                case GRANTED_QOS_2 -> Qos.EXACTLY_ONCE;
                default -> null;
            };
            TopicSubscription s = subscriptions.get(i);
            if (qos != null && !s.getTopicFilter().startsWith("$share/")) {
                TopicSubscriptionBuilder b = Builders.topicSubscription()
                        .topicFilter(s.getTopicFilter())
                        .qos(qos)
                        .retainAsPublished(s.getRetainAsPublished())
                        .noLocal(s.getNoLocal());
                s.getSubscriptionIdentifier().ifPresent(b::subscriptionIdentifier);
                granted.add(b.build());
            }
        }
        return granted;
    }

    /** The granted subscriptions the session does not show. */
    static List<TopicSubscription> missing(List<TopicSubscription> granted, Set<TopicSubscription> present) {
        Set<String> filters = new HashSet<>();
        for (TopicSubscription s : present) {
            filters.add(s.getTopicFilter());
        }
        List<TopicSubscription> missing = new ArrayList<>();
        for (TopicSubscription s : granted) {
            if (!filters.contains(s.getTopicFilter())) {
                missing.add(s);
            }
        }
        return missing;
    }

    private void check(String clientId, List<TopicSubscription> granted, int attempt, Runnable release) {
        store.getSubscriptions(clientId).whenComplete((present, error) -> {
            if (error != null) {
                release.run(); // the session is gone (the client left): nothing to keep
                return;
            }
            List<TopicSubscription> missing = missing(granted, present);
            if (missing.isEmpty()) {
                release.run();
                return;
            }
            if (attempt >= ATTEMPTS) {
                log.warn(
                        "the broker still does not keep {} of {}'s subscriptions after {} attempts: {}",
                        missing.size(),
                        clientId,
                        ATTEMPTS,
                        missing);
                release.run();
                return;
            }
            if (attempt == 1) {
                restored.increment(missing.size());
                log.debug(
                        "the broker granted but did not store {} of {}'s subscriptions; adding them",
                        missing,
                        clientId);
            }
            store.addSubscriptions(clientId, Set.copyOf(missing))
                    .whenComplete((v, e) -> executor.schedule(
                            () -> check(clientId, granted, attempt + 1, release),
                            RETRY.toMillis(),
                            TimeUnit.MILLISECONDS));
        });
    }
}

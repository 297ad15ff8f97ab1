package dev.fleetsim.iotcore;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.net.TokenBucket;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * Keeps a client's control-plane calls under the account's quotas: every attempt (retries too) first takes a token of
 * its API's bucket, waiting when the bucket is empty, so a run spends its quota evenly instead of bursting into
 * throttles. A {@code ThrottlingException} that still comes (another client shares the quota) is counted here and
 * retried by the SDK with jittered exponential backoff ({@link #retryStrategy}); it is never fatal.
 *
 * <p>Thread-safe: installed as an SDK {@link ExecutionInterceptor}, called on every calling thread.
 */
public final class Pacer implements ExecutionInterceptor {
    /** Attempts per call: enough to ride out a minute of someone else's burst at the backoff's ceiling. */
    static final int MAX_ATTEMPTS = 12;

    private final ApiQuotas quotas;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> throttles = new ConcurrentHashMap<>();

    public Pacer(ApiQuotas quotas) {
        this.quotas = quotas;
    }

    public ApiQuotas quotas() {
        return quotas;
    }

    /**
     * The SDK's standard strategy with more attempts and no circuit breaker (a throttle is expected under a quota, not
     * a sign of an outage); throttles back off exponentially with full jitter from 200 ms to 20 s.
     */
    public static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_ATTEMPTS)
                .circuitBreakerEnabled(false)
                .throttlingBackoffStrategy(
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(20)))
                .build();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (operation == null) {
            return;
        }
        calls.computeIfAbsent(operation, k -> new LongAdder()).increment();
        try {
            buckets.computeIfAbsent(operation, op -> TokenBucket.perSecond(quotas.rate(op)))
                    .take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        int status = context.httpResponse().statusCode();
        if (status != 400 && status != 429) {
            return;
        }
        boolean throttled = context.httpResponse()
                .firstMatchingHeader("x-amzn-ErrorType")
                .map(t -> t.startsWith("ThrottlingException") || t.startsWith("TooManyRequestsException"))
                .orElse(status == 429);
        if (throttled) {
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            throttles.computeIfAbsent(operation, k -> new LongAdder()).increment();
        }
    }

    /** Attempts sent per API so far. */
    public Map<String, Long> calls() {
        return snapshot(calls);
    }

    /** Throttled attempts per API so far (each was retried). */
    public Map<String, Long> throttles() {
        return snapshot(throttles);
    }

    public long totalThrottles() {
        return throttles.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}

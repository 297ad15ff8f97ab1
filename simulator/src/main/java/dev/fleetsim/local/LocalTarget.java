package dev.fleetsim.local;

import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.local.identity.LocalCa;
import dev.fleetsim.target.Target;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;

/** The local stack as a run's {@link Target}: started here, reached through its own endpoints, stopped at close. */
public final class LocalTarget implements Target {
    private final LocalStack stack;
    private final IotClient iot;
    private final S3Client s3;

    private LocalTarget(LocalStack stack) {
        this.stack = stack;
        AwsCredentialsProvider credentials = AwsClients.credentials(stack.credentials());
        String region = stack.config().arns().region();
        this.iot = AwsClients.iot(URI.create(stack.controlPlaneEndpoint()), region, credentials);
        this.s3 = AwsClients.s3(URI.create(stack.s3Endpoint()), region, credentials);
    }

    /** Starts a local stack and waits until every listener is up. */
    public static LocalTarget start(LocalStackConfig config)
            throws InterruptedException, ExecutionException, TimeoutException {
        return new LocalTarget(LocalStack.start(config).get(60, TimeUnit.SECONDS));
    }

    /** The stack itself, for callers that own it (the CLI, benchmarks, tests). */
    public LocalStack stack() {
        return stack;
    }

    @Override
    public String describe() {
        String timeScale = stack.config().clock() instanceof VirtualClock v ? v.timeScale() + "x" : "1 (real time)";
        return String.format(
                "local stack: MQTT %s%s, control plane %s, S3 %s, time scale %s",
                stack.mqttEndpoint(),
                stack.mqttsPort() > 0 ? " and ssl://" + stack.config().publicHost() + ":" + stack.mqttsPort() : "",
                stack.controlPlaneEndpoint(),
                stack.s3Endpoint(),
                timeScale);
    }

    @Override
    public String region() {
        return stack.config().arns().region();
    }

    @Override
    public String accountId() {
        return stack.config().arns().accountId();
    }

    @Override
    public Optional<Endpoint> mqtt() {
        return stack.mqttPort() < 0
                ? Optional.empty()
                : Optional.of(new Endpoint(stack.config().publicHost(), stack.mqttPort()));
    }

    @Override
    public Optional<Endpoint> mqtts() {
        return stack.mqttsPort() > 0
                ? Optional.of(new Endpoint(stack.config().publicHost(), stack.mqttsPort()))
                : Optional.empty();
    }

    @Override
    public IotClient iot() {
        return iot;
    }

    @Override
    public S3Client s3() {
        return s3;
    }

    @Override
    public X509Certificate trustAnchor() {
        return stack.ca().caCertificate();
    }

    @Override
    public Optional<CodeSigner> codeSigner() {
        LocalCa.CodeSigning signing = stack.ca().codeSigning();
        return Optional.of(new CodeSigner(signing.key(), signing.certificate()));
    }

    @Override
    public Clock clock() {
        return stack.config().clock();
    }

    @Override
    public Optional<CompletableFuture<Integer>> restartBroker(Duration down) {
        return Optional.of(stack.restartBroker(down));
    }

    @Override
    public Optional<String> scrapeMetrics() {
        try {
            return Optional.of(stack.jobs().scrape().get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty(); // a scrape that cannot be answered now leaves the run's own meters
        }
    }

    @Override
    public void close() {
        iot.close();
        s3.close();
        try {
            stack.stop().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the local stack did not stop cleanly", e);
        }
    }
}

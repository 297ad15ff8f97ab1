package dev.fleetsim.iotcore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.net.Ids;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.pki.RunCa;
import dev.fleetsim.target.FleetSetup;
import dev.fleetsim.target.IotCoreSettings;
import dev.fleetsim.target.Target;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.IotClientBuilder;
import software.amazon.awssdk.services.iot.model.IotException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * AWS IoT Core as a run's target: the account and region of the AWS SDK's credential chain (or a profile), MQTT at
 * the account's {@code iot:Data-ATS} endpoint on 8883 trusting Amazon Root CA 1 and 3, control-plane calls paced
 * under the account's quotas ({@link Pacer}), resources named after the run and recorded ({@link IotCoreSetup},
 * {@link ResourceJournal}), and cleaned up when the run ends unless {@code cleanup: false}.
 *
 * <p>With {@link IotCoreSettings#endpointsFile()} the same code path plays against a strict {@code fleetsim local}:
 * endpoints, key pair and trust anchor come from its {@code endpoints.json}.
 */
public final class IotCoreTarget implements Target {
    /** The MQTT port with X.509 client certificates (443 needs ALPN x-amzn-mqtt-ca). */
    public static final int MQTT_PORT = 8883;

    private final IotCoreSettings settings;
    private final String region;
    private final String runId;
    private final IotClient iot;
    private final S3Client s3;
    private final Pacer pacer;
    private final Endpoint mqtts;
    private final List<X509Certificate> trust;
    private final RunCa ca;
    private final CodeSigner signer;
    private final ResourceJournal journal;
    private final IotCoreSetup setup;
    private final Consumer<String> out;

    private IotCoreTarget(
            IotCoreSettings settings,
            String region,
            String runId,
            IotClient iot,
            S3Client s3,
            Pacer pacer,
            Endpoint mqtts,
            List<X509Certificate> trust,
            ResourceJournal journal,
            Consumer<String> out) {
        this.settings = settings;
        this.region = region;
        this.runId = runId;
        this.iot = iot;
        this.s3 = s3;
        this.pacer = pacer;
        this.mqtts = mqtts;
        this.trust = trust;
        this.journal = journal;
        this.out = out;
        this.ca = RunCa.create(runId, Duration.ofDays(30));
        KeyPair signing = Pem.newEcKeyPair();
        this.signer = new CodeSigner(
                signing.getPrivate(),
                ca.issueCodeSigning("fleetsim code signing " + runId, signing.getPublic(), Duration.ofDays(30)));
        this.setup = new IotCoreSetup(
                iot, settings, runId, journal, ca, trust, pacer.quotas().connectsPerSecond(), region);
    }

    /** A new run id: short, sortable by time, safe in thing names, job ids and tags. */
    public static String newRunId() {
        return "fs" + Long.toString(System.currentTimeMillis() / 1000, 36) + Ids.hex(2);
    }

    /**
     * Opens the target and checks, before anything is made, what a user can get wrong: the region, the credentials
     * (one cheap call: DescribeEndpoint), and the length of thing names once prefixed.
     *
     * @param longestThingName the longest thing name of the scenario, before the run's prefix
     * @throws IllegalArgumentException with a one-line message for each of those
     */
    public static IotCoreTarget open(
            IotCoreSettings settings, Path reportDir, String runId, String longestThingName, Consumer<String> out)
            throws IOException {
        JsonNode file = settings.endpointsFile() == null
                ? null
                : JobsJson.mapper().readTree(settings.endpointsFile().toFile());
        String region = region(settings, file);
        String prefixed = (settings.provisioning() == IotCoreSettings.Provisioning.EXISTING ? "" : runId + "-")
                + longestThingName;
        if (prefixed.getBytes(StandardCharsets.UTF_8).length > 128) {
            throw new IllegalArgumentException("thing name '" + prefixed
                    + "' is over IoT Core's 128 bytes with the run's" + " prefix; shorten fleet.thingNamePattern");
        }
        AwsCredentialsProvider credentials = credentials(settings, file);
        Pacer pacer = new Pacer(ApiQuotas.defaults(region).with(settings.quotas()));
        IotClient iot = controlPlane(settings, file, region, credentials, pacer);
        S3ClientBuilder s3Builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(ApacheHttpClient.create());
        String s3Endpoint = file != null ? file.path("s3").asText(null) : settings.s3Endpoint();
        if (s3Endpoint != null) {
            s3Builder.endpointOverride(URI.create(s3Endpoint)).forcePathStyle(true);
        }
        S3Client s3 = s3Builder.build();
        try {
            String data = describeEndpoint(iot, region);
            String mqtt = file != null
                    ? file.path("mqtts").asText(null)
                    : settings.mqttEndpoint() != null ? settings.mqttEndpoint() : data;
            if (mqtt == null) {
                throw new IllegalArgumentException(settings.endpointsFile()
                        + " has no 'mqtts': start the local stack with --strict (MQTT over TLS)");
            }
            Endpoint mqtts = endpoint(mqtt);
            List<X509Certificate> trust = trust(settings, file);
            ResourceJournal journal = ResourceJournal.create(
                    reportDir,
                    runId,
                    region,
                    file == null ? "" : file.path("accountId").asText(""));
            return new IotCoreTarget(settings, region, runId, iot, s3, pacer, mqtts, trust, journal, out);
        } catch (RuntimeException | IOException e) {
            iot.close();
            s3.close();
            throw e;
        }
    }

    /** The control plane of {@code settings}'s account, paced by {@code pacer} and retrying throttles. */
    private static IotClient controlPlane(
            IotCoreSettings settings, JsonNode file, String region, AwsCredentialsProvider credentials, Pacer pacer) {
        ClientOverrideConfiguration overrides = ClientOverrideConfiguration.builder()
                .addExecutionInterceptor(pacer)
                .retryStrategy(Pacer.retryStrategy())
                .build();
        IotClientBuilder builder = IotClient.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .overrideConfiguration(overrides)
                .httpClient(ApacheHttpClient.builder().maxConnections(64).build());
        String endpoint = file != null ? file.path("controlPlane").asText(null) : settings.controlPlaneEndpoint();
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    /**
     * A paced control-plane client for {@code fleetsim cleanup}: the region of the run (from its record) unless the
     * settings name one, credentials as for a run.
     */
    public static IotClient controlPlane(IotCoreSettings settings, String runRegion) throws IOException {
        JsonNode file = settings.endpointsFile() == null
                ? null
                : JobsJson.mapper().readTree(settings.endpointsFile().toFile());
        String region = settings.region() != null || file != null || runRegion == null || runRegion.isEmpty()
                ? region(settings, file)
                : runRegion;
        return controlPlane(
                settings,
                file,
                region,
                credentials(settings, file),
                new Pacer(ApiQuotas.defaults(region).with(settings.quotas())));
    }

    private static String region(IotCoreSettings settings, JsonNode file) {
        String region = file != null ? file.path("region").asText("us-east-1") : settings.region();
        if (region == null) {
            try {
                region = DefaultAwsRegionProviderChain.builder()
                        .build()
                        .getRegion()
                        .id();
            } catch (SdkClientException e) {
                throw new IllegalArgumentException(
                        "no AWS region: set target.iotCore.region, --region, AWS_REGION or a profile's region");
            }
        }
        if (file == null && !Region.regions().contains(Region.of(region))) {
            throw new IllegalArgumentException("unknown AWS region '" + region + "' (e.g. us-east-1, eu-west-1)");
        }
        return region;
    }

    private static AwsCredentialsProvider credentials(IotCoreSettings settings, JsonNode file) {
        AwsCredentialsProvider provider;
        if (file != null) {
            provider = StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    file.path("accessKeyId").asText(),
                    file.path("secretAccessKey").asText()));
        } else if (settings.profile() != null) {
            provider = ProfileCredentialsProvider.create(settings.profile());
        } else {
            provider = DefaultCredentialsProvider.builder().build();
        }
        try {
            provider.resolveCredentials();
        } catch (SdkClientException e) {
            throw new IllegalArgumentException("no AWS credentials"
                    + (settings.profile() != null ? " for profile '" + settings.profile() + "'" : "")
                    + ": set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or sign in (aws sso login)");
        }
        return provider;
    }

    /** DescribeEndpoint(iot:Data-ATS): the account's MQTT host, and a check that the credentials work. */
    private static String describeEndpoint(IotClient iot, String region) {
        try {
            return iot.describeEndpoint(r -> r.endpointType("iot:Data-ATS")).endpointAddress();
        } catch (IotException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            throw new IllegalArgumentException(
                    switch (code) {
                        case "ExpiredTokenException", "ExpiredToken" ->
                            "the AWS session token has expired: sign in"
                                    + " again (aws sso login, or new temporary credentials)";
                        case "UnrecognizedClientException", "InvalidClientTokenId" ->
                            "AWS does not recognise these" + " credentials in " + region
                                    + " (wrong key, or a token for another partition)";
                        case "InvalidSignatureException", "SignatureDoesNotMatch" ->
                            "the AWS secret access key does" + " not match the access key id";
                        case "AccessDeniedException", "UnauthorizedException" ->
                            "these credentials may not call"
                                    + " iot:DescribeEndpoint; see the README's IAM policy for fleetsim";
                        default -> "cannot reach AWS IoT in " + region + ": " + e.getMessage();
                    });
        } catch (SdkClientException e) {
            throw new IllegalArgumentException("cannot reach AWS IoT in " + region + ": " + e.getMessage());
        }
    }

    private static Endpoint endpoint(String text) {
        URI uri = URI.create(text.contains("://") ? text : "ssl://" + text);
        return new Endpoint(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : MQTT_PORT);
    }

    private static List<X509Certificate> trust(IotCoreSettings settings, JsonNode file) throws IOException {
        if (file != null) {
            return List.of(Pem.certificate(
                    Files.readString(Path.of(file.path("caCertificate").asText()))));
        }
        if (settings.trustStore() != null) {
            try {
                return Pem.certificates(Files.readString(settings.trustStore()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(settings.trustStore() + ": " + e.getMessage());
            }
        }
        List<X509Certificate> roots = new ArrayList<>();
        for (String name : List.of("AmazonRootCA1.pem", "AmazonRootCA3.pem")) {
            try (InputStream in = IotCoreTarget.class.getResourceAsStream(name)) {
                roots.add(Pem.certificate(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            }
        }
        return roots;
    }

    /** Checks, before anything is made, that each bucket is in the run's region (S3 answers 301 otherwise). */
    public void checkBuckets(List<String> buckets) {
        for (String bucket : buckets) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (S3Exception e) {
                if (e.statusCode() == 301) {
                    String where = e.awsErrorDetails() == null
                            ? "another region"
                            : e.awsErrorDetails()
                                    .sdkHttpResponse()
                                    .firstMatchingHeader("x-amz-bucket-region")
                                    .orElse("another region");
                    throw new IllegalArgumentException(
                            "bucket " + bucket + " is in " + where + ", not " + region + ": use a bucket in " + region);
                }
                // 404: the run creates it; 403: someone else's name, which the upload will report
            }
        }
    }

    public String runId() {
        return runId;
    }

    public Pacer pacer() {
        return pacer;
    }

    public ResourceJournal journal() {
        return journal;
    }

    @Override
    public String describe() {
        return (settings.realAccount() ? "AWS IoT Core" : "IoT Core code path against " + settings.endpointsFile())
                + " in " + region + ": MQTT ssl://" + mqtts + ", run " + runId + ", provisioning "
                + settings.provisioning().configName() + ", resources in "
                + journal.file();
    }

    @Override
    public String region() {
        return region;
    }

    @Override
    public String accountId() {
        String account = setup.accountId();
        return account == null ? "000000000000" : account;
    }

    @Override
    public Optional<Endpoint> mqtt() {
        return Optional.empty();
    }

    @Override
    public Optional<Endpoint> mqtts() {
        return Optional.of(mqtts);
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
        return trust.get(0);
    }

    @Override
    public List<X509Certificate> trustAnchors() {
        return trust;
    }

    @Override
    public Optional<CodeSigner> codeSigner() {
        return Optional.of(signer);
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public String presignRoleArn() {
        return settings.presignRoleArn() != null ? settings.presignRoleArn() : Target.super.presignRoleArn();
    }

    @Override
    public Optional<FleetSetup> setup() {
        return Optional.of(setup);
    }

    /** Ends the run: cleans up what it made unless {@code cleanup: false}, then releases the clients. */
    @Override
    public void close() {
        try {
            journal.close();
            if (settings.cleanup()) {
                Cleanup.Result result = new Cleanup(iot, out).run(ResourceJournal.read(journal.file()));
                out.accept("cleanup: " + result);
            } else {
                out.accept("cleanup: skipped (cleanup: false); later: fleetsim cleanup "
                        + journal.file().getParent());
            }
        } catch (IOException | RuntimeException e) {
            out.accept("cleanup did not finish (" + e.getMessage() + "); run: fleetsim cleanup "
                    + journal.file().getParent());
        } finally {
            iot.close();
            s3.close();
        }
    }
}

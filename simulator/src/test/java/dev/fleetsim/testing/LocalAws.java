package dev.fleetsim.testing;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.local.LocalStack;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The real AWS SDK pointed at a local stack. */
public final class LocalAws {
    private LocalAws() {}

    /** The real S3 client on the local store: path-style, the store's key pair. */
    public static S3Client s3(LocalStack stack) {
        return s3(stack, AccessKeyPair.DEFAULT.secretAccessKey());
    }

    /** As {@link #s3(LocalStack)} with another secret (to see signatures refused). */
    public static S3Client s3(LocalStack stack, String secret) {
        return AwsClients.s3(
                URI.create(stack.s3Endpoint()),
                stack.config().arns().region(),
                AwsClients.credentials(new AccessKeyPair(AccessKeyPair.DEFAULT.accessKeyId(), secret)));
    }

    public static S3Presigner presigner(LocalStack stack) {
        return S3Presigner.builder()
                .endpointOverride(URI.create(stack.s3Endpoint()))
                .region(Region.of(stack.config().arns().region()))
                .serviceConfiguration(
                        S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        AccessKeyPair.DEFAULT.accessKeyId(), AccessKeyPair.DEFAULT.secretAccessKey())))
                .build();
    }

    public static IotClient iot(LocalStack stack) {
        return IotClient.builder()
                .endpointOverride(URI.create(stack.controlPlaneEndpoint()))
                .region(Region.of(stack.config().arns().region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        stack.credentials().accessKeyId(), stack.credentials().secretAccessKey())))
                .httpClient(ApacheHttpClient.create())
                .build();
    }
}

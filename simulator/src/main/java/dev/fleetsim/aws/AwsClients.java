package dev.fleetsim.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;

/** The AWS SDK's clients pointed at an endpoint override (the local stack, a VPC endpoint). */
public final class AwsClients {
    private AwsClients() {}

    public static AwsCredentialsProvider credentials(AccessKeyPair keys) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey()));
    }

    /** The IoT control plane ({@code iot}) at {@code endpoint}. */
    public static IotClient iot(URI endpoint, String region, AwsCredentialsProvider credentials) {
        return IotClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClient(ApacheHttpClient.create())
                .build();
    }

    /** S3 at {@code endpoint}, path-style (the local store serves no virtual-hosted buckets). */
    public static S3Client s3(URI endpoint, String region, AwsCredentialsProvider credentials) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .forcePathStyle(true)
                .credentialsProvider(credentials)
                .httpClient(ApacheHttpClient.create())
                .build();
    }
}

package dev.fleetsim.testing;

import dev.fleetsim.local.LocalStack;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;

/** The real AWS SDK pointed at a local stack. */
public final class LocalAws {
    private LocalAws() {}

    public static IotClient iot(LocalStack stack) {
        return IotClient.builder()
                .endpointOverride(URI.create(stack.controlPlaneEndpoint()))
                .region(Region.of(stack.config().arns().region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(ApacheHttpClient.create())
                .build();
    }
}

package dev.fleetsim.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;

/**
 * A stack in a container binds every interface but must tell clients a host they can reach: the advertised host goes
 * into endpoints.json, DescribeEndpoint and presigned URLs; without one, a wildcard bind advertises loopback.
 */
class AdvertisedHostIT {
    @Test
    void clientsAreGivenTheAdvertisedHostEverywhere() throws Exception {
        LocalStackConfig config = LocalStackConfig.ephemeral().toBuilder()
                .advertisedHost("localhost")
                .build();
        try (LocalStack stack = LocalStack.start(config).get(60, TimeUnit.SECONDS);
                IotClient iot = AwsClients.iot(
                        URI.create(stack.controlPlaneEndpoint()),
                        "us-east-1",
                        AwsClients.credentials(AccessKeyPair.DEFAULT))) {
            var endpoints = stack.endpoints();
            for (String key : new String[] {"mqtt", "controlPlane", "jobsDataPlane", "s3", "metrics"}) {
                assertThat(URI.create(endpoints.get(key).asText()).getHost())
                        .as(key)
                        .isEqualTo("localhost");
            }
            assertThat(iot.describeEndpoint(r -> r.endpointType("iot:Data-ATS")).endpointAddress())
                    .startsWith("localhost:");
            assertThat(iot.describeEndpoint(r -> r.endpointType("iot:Jobs")).endpointAddress())
                    .startsWith("localhost:");
        }
    }

    @Test
    void aWildcardBindAdvertisesLoopbackNotTheWildcard() {
        LocalStackConfig config = LocalStackConfig.ephemeral().withBindAddress("0.0.0.0");

        assertThat(config.publicHost()).isEqualTo("127.0.0.1");
        assertThat(config.toBuilder().advertisedHost("fleetsim-local").build().publicHost())
                .isEqualTo("fleetsim-local");
        assertThat(LocalStackConfig.ephemeral().publicHost()).isEqualTo("127.0.0.1");
    }
}

package dev.precache.simulator;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/** SDK clients for a simulator under test: dummy credentials, us-west-2, its loopback endpoint. */
final class SimulatorClients {
    private SimulatorClients() {
    }

    /** Points {@code builder} at {@code server}; the caller may override more before it builds. */
    static <B extends AwsClientBuilder<B, ?>> B configure(B builder, SimulatorServer server) {
        builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .region(Region.US_WEST_2)
                .endpointOverride(URI.create(server.endpoint()));
        if (builder instanceof SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder());
        }
        return builder;
    }
}

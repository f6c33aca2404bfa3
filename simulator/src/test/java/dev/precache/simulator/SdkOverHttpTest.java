package dev.precache.simulator;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The real AWS SDK v2 against an ephemeral-port simulator, one per test class and reset before each test, with
 * dummy credentials in us-west-2: every call goes over HTTP.
 */
abstract class SdkOverHttpTest {
    private static final double TIME_SCALE = 0.002;
    static final WaiterOverrideConfiguration FAST_WAIT = WaiterOverrideConfiguration.builder()
            .backoffStrategy(FixedDelayBackoffStrategy.create(Duration.ofMillis(20))).maxAttempts(1000).build();

    static SimulatorServer server;
    static Ec2Client ec2;
    static CloudFormationClient cfn;
    static SsmClient ssm;

    @BeforeAll
    static void startSimulator() throws IOException {
        server = SimulatorServer.ephemeral(TIME_SCALE).start();
        ec2 = configure(Ec2Client.builder()).build();
        cfn = configure(CloudFormationClient.builder()).build();
        ssm = configure(SsmClient.builder()).build();
    }

    @AfterAll
    static void stopSimulator() {
        server.close();
    }

    @BeforeEach
    void resetCloud() {
        server.cloud().reset();
    }

    /** Points {@code builder} at the simulator; the caller may override more before it builds. */
    static <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .region(Region.US_WEST_2)
                .endpointOverride(URI.create(server.endpoint()));
        if (builder instanceof SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder());
        }
        return builder;
    }
}

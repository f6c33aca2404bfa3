package dev.precache.activities;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The AWS SDK clients the activities use, built on first use per region and shared by every activity.
 *
 * <p>Endpoints: an explicit endpoint (worker config, e.g. the simulator on {@code http://127.0.0.1:4566}) wins
 * for every service. Without one the SDK resolves endpoints itself, which already honours
 * {@code AWS_ENDPOINT_URL_<SERVICE>} and {@code AWS_ENDPOINT_URL} (and the {@code aws.endpointUrl*} system
 * properties and the shared config file), so that is not repeated here.
 *
 * <p>Retries: the SDK's standard mode absorbs short blips (a few attempts); wait loops ride out longer trouble on
 * their own calls with jittered backoff per caller ({@link Polling#untilAnswered}); anything else surfaces as an
 * exception and Temporal's activity retry policy takes over, with backoff and a visible history. Not the adaptive
 * mode: its client-side rate limiter is shared by every build in the region, and under throttling that does not
 * follow the request rate (bench/api-storm) it slowed all of them to a crawl.
 */
public final class AwsClients implements AutoCloseable {

  private static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(2);

  private final URI endpointOverride;
  private final AwsCredentialsProvider credentials;
  private final SdkHttpClient httpClient = UrlConnectionHttpClient.builder()
      .connectionTimeout(Duration.ofSeconds(5))
      .socketTimeout(Duration.ofSeconds(30))
      .build();
  private final Map<String, CloudFormationClient> cloudFormation = new ConcurrentHashMap<>();
  private final Map<String, SsmClient> ssm = new ConcurrentHashMap<>();
  private final Map<String, Ec2Client> ec2 = new ConcurrentHashMap<>();
  private final Map<String, EcrClient> ecr = new ConcurrentHashMap<>();

  /** Clients with the default credentials chain; {@code endpointOverride} may be null. */
  public AwsClients(URI endpointOverride) {
    this(endpointOverride, DefaultCredentialsProvider.builder().build());
  }

  public AwsClients(URI endpointOverride, AwsCredentialsProvider credentials) {
    this.endpointOverride = endpointOverride;
    this.credentials = credentials;
  }

  /** The credentials every client signs with: the worker's readiness check resolves them. */
  public AwsCredentialsProvider credentials() {
    return credentials;
  }

  public CloudFormationClient cloudFormation(String region) {
    return cloudFormation.computeIfAbsent(region, r -> build(CloudFormationClient::builder, r));
  }

  public SsmClient ssm(String region) {
    return ssm.computeIfAbsent(region, r -> build(SsmClient::builder, r));
  }

  public Ec2Client ec2(String region) {
    return ec2.computeIfAbsent(region, r -> build(Ec2Client::builder, r));
  }

  public EcrClient ecr(String region) {
    return ecr.computeIfAbsent(region, r -> build(EcrClient::builder, r));
  }

  private <C, B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>> C build(
      Supplier<B> newBuilder, String region) {
    B builder = newBuilder.get()
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .httpClient(httpClient)
        .overrideConfiguration(o -> o
            .retryStrategy(RetryMode.STANDARD)
            .apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
            .apiCallTimeout(API_CALL_TIMEOUT));
    if (endpointOverride != null) {
      builder.endpointOverride(endpointOverride);
    }
    return builder.build();
  }

  @Override
  public void close() {
    for (Map<String, ? extends SdkAutoCloseable> clients : List.of(cloudFormation, ssm, ec2, ecr)) {
      clients.values().forEach(SdkAutoCloseable::close);
      clients.clear();
    }
    httpClient.close();
  }
}

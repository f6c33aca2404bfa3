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
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
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
 * follow the request rate (bench/api-storm) it slowed all of them to a crawl. The standard mode's backoff keeps its
 * proportion to the worker's poll interval ({@link #retryStrategy}).
 */
public final class AwsClients implements AutoCloseable {

  private static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(2);
  /** The worker's default poll interval ({@code --aws-poll-interval}), at which the SDK's retries are its own. */
  static final Duration PRODUCTION_POLL_INTERVAL = Duration.ofSeconds(5);
  // The SDK's standard mode: full-jitter exponential backoff from 100 ms, from 1 s when throttled, at most 20 s
  // (aws-sdk-java-v2 DefaultRetryStrategy.Standard).
  private static final Duration BASE_DELAY = Duration.ofMillis(100);
  private static final Duration THROTTLED_BASE_DELAY = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);
  private static final Duration MIN_DELAY = Duration.ofMillis(1);

  private final URI endpointOverride;
  private final AwsCredentialsProvider credentials;
  private final Duration pollInterval;
  private final SdkHttpClient httpClient = UrlConnectionHttpClient.builder()
      .connectionTimeout(Duration.ofSeconds(5))
      .socketTimeout(Duration.ofSeconds(30))
      .build();
  private final Map<String, CloudFormationClient> cloudFormation = new ConcurrentHashMap<>();
  private final Map<String, SsmClient> ssm = new ConcurrentHashMap<>();
  private final Map<String, Ec2Client> ec2 = new ConcurrentHashMap<>();
  private final Map<String, EcrClient> ecr = new ConcurrentHashMap<>();

  /**
   * Clients with the default credentials chain; {@code endpointOverride} may be null.
   *
   * @param pollInterval the worker's poll interval, whose clock the SDK's retries keep ({@link #retryStrategy})
   */
  public AwsClients(URI endpointOverride, Duration pollInterval) {
    this(endpointOverride, DefaultCredentialsProvider.builder().build(), pollInterval);
  }

  /** Clients for the production poll interval: the SDK's retries as it makes them. */
  public AwsClients(URI endpointOverride, AwsCredentialsProvider credentials) {
    this(endpointOverride, credentials, PRODUCTION_POLL_INTERVAL);
  }

  public AwsClients(URI endpointOverride, AwsCredentialsProvider credentials, Duration pollInterval) {
    this.endpointOverride = endpointOverride;
    this.credentials = credentials;
    this.pollInterval = pollInterval;
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
            .retryStrategy(retryStrategy(pollInterval))
            .apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
            .apiCallTimeout(API_CALL_TIMEOUT));
    if (endpointOverride != null) {
      builder.endpointOverride(endpointOverride);
    }
    return builder.build();
  }

  /**
   * The SDK's standard mode (3 attempts, its retryable errors, its retry quota) with its backoff on the clock of the
   * poll interval: exactly the SDK's at the production 5 s, a hundred times shorter for a worker polling a simulator
   * that runs a hundred times faster than real time, as all its other waits are. Otherwise a throttled call's
   * 1 s + 2 s of backoff stalls a build for minutes of the simulator's time: under bench/api-storm's 0.5 + 0.5 it
   * was most of the builds' slowdown once no activity failed any more. Each client gets its own (its own quota).
   */
  static StandardRetryStrategy retryStrategy(Duration pollInterval) {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .backoffStrategy(BackoffStrategy.exponentialDelay(scaled(BASE_DELAY, pollInterval),
            scaled(MAX_BACKOFF, pollInterval)))
        .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(scaled(THROTTLED_BASE_DELAY, pollInterval),
            scaled(MAX_BACKOFF, pollInterval)))
        .build();
  }

  /**
   * At least a millisecond: the SDK draws its jitter in whole milliseconds below the delay it computes
   * ({@code Random.nextInt}), which throws for a delay that rounds down to 0 ms; under 1 ms a 5xx was retried as
   * an IllegalArgumentException, "bound must be positive", once the poll interval fell under 50 ms.
   */
  private static Duration scaled(Duration atProductionInterval, Duration pollInterval) {
    return Duration.ofNanos(Math.max(MIN_DELAY.toNanos(), (long) ((double) atProductionInterval.toNanos()
        * pollInterval.toNanos() / PRODUCTION_POLL_INTERVAL.toNanos())));
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

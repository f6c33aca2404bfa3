package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RetryStrategy;

/** Where the clients send requests: a fake SSM endpoint on loopback records what reaches it. */
class AwsClientsTest {

  private static final String GLOBAL_ENDPOINT_PROPERTY = "aws.endpointUrl";

  private final List<String> targets = new CopyOnWriteArrayList<>();
  /** How many of the next requests the fake answers with SSM's ThrottlingException. */
  private final AtomicInteger refusals = new AtomicInteger();
  private HttpServer server;

  @BeforeEach
  void startFakeSsm() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      boolean refused = refusals.getAndDecrement() > 0;
      byte[] body = (refused ? "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"
          : "{\"InstanceInformationList\":[]}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(refused ? 400 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    System.clearProperty(GLOBAL_ENDPOINT_PROPERTY);
  }

  @Test
  void anExplicitEndpointWinsOverTheEnvironment() {
    System.setProperty(GLOBAL_ENDPOINT_PROPERTY, "http://127.0.0.1:1");
    try (AwsClients clients = new AwsClients(fakeSsm(), AwsClients.PRODUCTION_POLL_INTERVAL)) {
      clients.ssm("us-west-2").describeInstanceInformation();
    }
    assertThat(targets).containsExactly("AmazonSSM.DescribeInstanceInformation");
  }

  /** The SDK resolves AWS_ENDPOINT_URL(_SSM) itself; its system-property twin proves the path in-process. */
  @Test
  void withoutAnExplicitEndpointTheSdksOwnEndpointConfigurationApplies() {
    System.setProperty(GLOBAL_ENDPOINT_PROPERTY, fakeSsm().toString());
    try (AwsClients clients = new AwsClients(null, AwsClients.PRODUCTION_POLL_INTERVAL)) {
      clients.ssm("us-west-2").describeInstanceInformation();
    }
    assertThat(targets).containsExactly("AmazonSSM.DescribeInstanceInformation");
  }

  @Test
  void clientsAreBuiltOncePerRegion() {
    try (AwsClients clients = new AwsClients(fakeSsm(), AwsClients.PRODUCTION_POLL_INTERVAL)) {
      assertThat(clients.ssm("us-west-2")).isSameAs(clients.ssm("us-west-2"));
      assertThat(clients.ssm("eu-west-1")).isNotSameAs(clients.ssm("us-west-2"));
      assertThat(clients.ec2("us-west-2")).isSameAs(clients.ec2("us-west-2"));
      assertThat(clients.cloudFormation("us-west-2").serviceClientConfiguration().endpointOverride())
          .contains(fakeSsm());
      assertThat(clients.ecr("eu-west-1").serviceClientConfiguration().region().id()).isEqualTo("eu-west-1");
    }
  }

  @Test
  void theSdkStillRetriesAThrottledCallOnThePollIntervalsClock() {
    refusals.set(2);
    try (AwsClients clients = new AwsClients(fakeSsm(), Duration.ofMillis(50))) {
      clients.ssm("us-west-2").describeInstanceInformation();
    }
    assertThat(targets).hasSize(3);
  }

  /** Full jitter: each delay is drawn from zero up to the base doubled per retry. */
  @Test
  void theSdksBackoffIsItsOwnAtTheProductionIntervalAndShrinksWithIt() {
    Throwable throttled = AwsServiceException.builder().statusCode(503)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("RequestLimitExceeded").build()).build();
    Throwable serverError = AwsServiceException.builder().statusCode(500)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").build()).build();

    assertThat(firstDelays(AwsClients.PRODUCTION_POLL_INTERVAL, throttled))
        .allMatch(delay -> delay.compareTo(Duration.ofSeconds(1)) <= 0)
        .anyMatch(delay -> delay.compareTo(Duration.ofMillis(100)) > 0);
    assertThat(firstDelays(AwsClients.PRODUCTION_POLL_INTERVAL, serverError))
        .allMatch(delay -> delay.compareTo(Duration.ofMillis(100)) <= 0);
    assertThat(firstDelays(Duration.ofMillis(50), throttled))
        .allMatch(delay -> delay.compareTo(Duration.ofMillis(10)) <= 0)
        .anyMatch(delay -> delay.compareTo(Duration.ofMillis(1)) > 0);
  }

  @Test
  void aServerErrorIsRetriedEvenWhenTheScaledBaseDelayIsUnderAMillisecond() {
    Throwable serverError = AwsServiceException.builder().statusCode(500)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").build()).build();

    // 25 ms (the demo's time scale 0.005): 100 ms scaled is 0.5 ms, which the SDK's whole-millisecond jitter refused.
    assertThat(firstDelays(Duration.ofMillis(25), serverError))
        .allMatch(delay -> !delay.isNegative() && delay.compareTo(Duration.ofMillis(1)) <= 0);
  }

  /**
   * The delay before the first retry of a call that failed with {@code failure}, drawn 200 times, each from a new
   * strategy: one strategy's retry quota (500, 5 a retry) would refuse the 101st.
   */
  private static List<Duration> firstDelays(Duration pollInterval, Throwable failure) {
    return IntStream.range(0, 200).mapToObj(i -> {
      RetryStrategy strategy = AwsClients.retryStrategy(pollInterval);
      return strategy.refreshRetryToken(RefreshRetryTokenRequest.builder()
          .token(strategy.acquireInitialToken(AcquireInitialTokenRequest.create("ssm")).token())
          .failure(failure)
          .build()).delay();
    }).toList();
  }

  private URI fakeSsm() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }
}

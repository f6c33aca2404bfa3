package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.precache.workflows.BuildFailures;
import io.temporal.failure.ApplicationFailure;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/**
 * A response the SDK cannot parse (the simulator once wrote a BEL from a tag into its XML) is a permanent
 * failure that says so, not a transient one retried until the activity's deadline.
 */
class UnparseableResponseTest {
  private HttpServer server;

  @BeforeEach
  void answerWithInvalidXml() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeStacksResponse "
          + "xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><DescribeStacksResult><Stacks><member>"
          + "<StackName>precache-x</StackName><Tags><member><Key>team</Key><Value>a\u0007b</Value></member></Tags>"
          + "</member></Stacks></DescribeStacksResult></DescribeStacksResponse>").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/xml");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void anUnparseableResponseIsPermanentAndNamed() {
    try (CloudFormationClient cloudFormation = CloudFormationClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .region(Region.US_WEST_2)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
        .httpClient(UrlConnectionHttpClient.create())
        .build()) {
      SdkException thrown = catchThrowableOfType(
          () -> cloudFormation.describeStacks(b -> b.stackName("precache-x")), SdkException.class);

      ApplicationFailure failure = AwsFailures.classify("describe stack precache-x", thrown);

      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getType()).isEqualTo(BuildFailures.UNREADABLE_RESPONSE);
      assertThat(failure.getOriginalMessage()).startsWith("describe stack precache-x failed: ")
          .contains("could not be parsed");
    }
  }
}

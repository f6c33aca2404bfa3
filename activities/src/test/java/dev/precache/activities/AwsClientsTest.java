package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Where the clients send requests: a fake SSM endpoint on loopback records what reaches it. */
class AwsClientsTest {

  private static final String GLOBAL_ENDPOINT_PROPERTY = "aws.endpointUrl";

  private final List<String> targets = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void startFakeSsm() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      byte[] body = "{\"InstanceInformationList\":[]}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(200, body.length);
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
    try (AwsClients clients = new AwsClients(fakeSsm())) {
      clients.ssm("us-west-2").describeInstanceInformation();
    }
    assertThat(targets).containsExactly("AmazonSSM.DescribeInstanceInformation");
  }

  /** The SDK resolves AWS_ENDPOINT_URL(_SSM) itself; its system-property twin proves the path in-process. */
  @Test
  void withoutAnExplicitEndpointTheSdksOwnEndpointConfigurationApplies() {
    System.setProperty(GLOBAL_ENDPOINT_PROPERTY, fakeSsm().toString());
    try (AwsClients clients = new AwsClients(null)) {
      clients.ssm("us-west-2").describeInstanceInformation();
    }
    assertThat(targets).containsExactly("AmazonSSM.DescribeInstanceInformation");
  }

  @Test
  void clientsAreBuiltOncePerRegion() {
    try (AwsClients clients = new AwsClients(fakeSsm())) {
      assertThat(clients.ssm("us-west-2")).isSameAs(clients.ssm("us-west-2"));
      assertThat(clients.ssm("eu-west-1")).isNotSameAs(clients.ssm("us-west-2"));
      assertThat(clients.ec2("us-west-2")).isSameAs(clients.ec2("us-west-2"));
      assertThat(clients.cloudFormation("us-west-2").serviceClientConfiguration().endpointOverride())
          .contains(fakeSsm());
      assertThat(clients.ecr("eu-west-1").serviceClientConfiguration().region().id()).isEqualTo("eu-west-1");
    }
  }

  private URI fakeSsm() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }
}

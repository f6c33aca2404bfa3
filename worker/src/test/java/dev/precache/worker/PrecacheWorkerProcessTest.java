package dev.precache.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code precache worker} as its own process: version, the search-attribute check, --dev's servers, JSON logs. */
class PrecacheWorkerProcessTest {
  private static final Duration STARTUP = Duration.ofSeconds(90);
  private static final Pattern DEV_TARGET = Pattern.compile("Temporal dev server \\(.*?\\) on (127\\.0\\.0\\.1:\\d+)");

  @TempDir
  Path dir;

  @Test
  void versionIsPrinted() throws Exception {
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of(), dir, "--version")) {
      assertThat(worker.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(worker.log()).startsWith("precache worker ");
    }
  }

  @Test
  void aNamespaceWithoutTheSearchAttributesIsRefusedNamingThemAndHowToRegister() throws Exception {
    Path temporal = temporalCli();
    int port = LoopbackPorts.reserve();
    Process server = startDevServer(temporal, port);
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + port),
        dir, "--aws-endpoint", "http://127.0.0.1:9")) {
      assertThat(worker.awaitExit(STARTUP)).as(worker.log()).isEqualTo(1);
      assertThat(worker.log()).contains("lacks the search attributes [PrecacheStatus,",
          "temporal operator search-attribute create --name PrecacheImages --type KeywordList")
          .doesNotContain("polling task queue");
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  @Test
  void readinessFailsNamingTheMissingSearchAttributesUntilTheyAreRegistered() throws Exception {
    Path temporal = temporalCli();
    int port = LoopbackPorts.reserve();
    int httpPort = LoopbackPorts.reserve();
    String address = "127.0.0.1:" + port;
    Process server = startDevServer(temporal, port);
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of("TEMPORAL_ADDRESS", address), dir,
        "--aws-endpoint", "http://127.0.0.1:9", "--metrics-port", String.valueOf(httpPort))) {
      worker.awaitLog("serving /metrics, /livez and /readyz on http://127.0.0.1:" + httpPort, STARTUP);
      assertThat(worker.log()).contains("lacks the search attributes [PrecacheStatus,", "/readyz fails meanwhile",
          "polling task queue");
      URI base = URI.create("http://127.0.0.1:" + httpPort);

      HttpResponse<String> notReady = get(base.resolve("/readyz"));
      assertThat(notReady.statusCode()).as(notReady.body()).isEqualTo(503);
      JsonNode body = new ObjectMapper().readTree(notReady.body());
      assertThat(body.get("ok").asBoolean()).isFalse();
      assertThat(check(body, "temporal").get("ok").asBoolean()).as(notReady.body()).isTrue();
      assertThat(check(body, "aws_credentials").get("ok").asBoolean()).as(notReady.body()).isTrue();
      assertThat(check(body, "search_attributes").get("ok").asBoolean()).isFalse();
      assertThat(check(body, "search_attributes").get("detail").asText())
          .contains("missing PrecacheStatus", "PrecacheImages", "temporal operator search-attribute create");
      HttpResponse<String> live = get(base.resolve("/livez"));
      assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
      assertThat(check(new ObjectMapper().readTree(live.body()), "polling").get("ok").asBoolean()).isTrue();
      assertThat(get(base.resolve("/nothing")).statusCode()).isEqualTo(404);

      // What the check says to run, as an operator would.
      String commands = SearchAttributeCheck.registerCommands(
          BuildSearchAttributes.ALL.stream().map(key -> key.getName()).toList());
      for (String command : commands.strip().lines().map(String::strip).toList()) {
        List<String> argv = new ArrayList<>(List.of(command.split(" ")));
        argv.set(0, temporal.toString());
        argv.addAll(List.of("--address", address));
        Process register = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(register.getInputStream().readAllBytes());
        assertThat(register.waitFor()).as(command + "\n" + output).isZero();
      }
      HttpResponse<String> ready = awaitStatus(base.resolve("/readyz"), 200, Duration.ofSeconds(30));
      assertThat(new ObjectMapper().readTree(ready.body()).get("checks")).allSatisfy(check ->
          assertThat(check.get("ok").asBoolean()).as(ready.body()).isTrue());
      // The SDK's own series once it has polled (its pollers start as the worker does, not as /readyz turns 200).
      assertThat(awaitMetric(base.resolve("/metrics"), "temporal_long_request_total{", Duration.ofSeconds(30)))
          .contains("namespace=\"default\"", "jvm_memory_used_bytes");
      assertThat(worker.terminate(Duration.ofSeconds(60))).isIn(0, 143);
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  @Test
  void readinessFailsWhileNoAwsCredentialsResolve() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    int httpPort = LoopbackPorts.reserve();
    // Blank keys and a home without ~/.aws: every link of the default chain comes up empty (no instance metadata).
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of("PATH", "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", ""), home,
        "--dev", "--dev-port", String.valueOf(LoopbackPorts.reserve()), "--aws-endpoint", "http://127.0.0.1:9",
        "--metrics-port", String.valueOf(httpPort))) {
      worker.awaitLog("serving /metrics, /livez and /readyz", STARTUP);
      HttpResponse<String> notReady = get(URI.create("http://127.0.0.1:" + httpPort + "/readyz"));
      assertThat(notReady.statusCode()).as(notReady.body()).isEqualTo(503);
      JsonNode body = new ObjectMapper().readTree(notReady.body());
      assertThat(check(body, "aws_credentials").get("ok").asBoolean()).isFalse();
      assertThat(check(body, "aws_credentials").get("detail").asText()).contains("Unable to load credentials");
      assertThat(check(body, "temporal").get("ok").asBoolean()).as(notReady.body()).isTrue();
      assertThat(worker.terminate(Duration.ofSeconds(60))).isIn(0, 143);
    }
  }

  private static JsonNode check(JsonNode health, String name) {
    for (JsonNode check : health.get("checks")) {
      if (check.get("name").asText().equals(name)) {
        return check;
      }
    }
    throw new AssertionError("no check " + name + " in " + health);
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build().send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The metrics text once it has the series, failing with what it had at the deadline. */
  private static String awaitMetric(URI uri, String series, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    String body = get(uri).body();
    while (!body.contains(series) && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
      body = get(uri).body();
    }
    assertThat(body).contains(series);
    return body;
  }

  private static HttpResponse<String> awaitStatus(URI uri, int status, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    HttpResponse<String> response = get(uri);
    while (response.statusCode() != status && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
      response = get(uri);
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return response;
  }

  @Test
  void withoutTheTemporalCliDevWarnsLoudlyThatBuildsDieWithTheProcessAndLogsJsonOnRequest() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of("PATH", "/usr/bin:/bin"), home,
        "--dev", "--dev-port", String.valueOf(LoopbackPorts.reserve()), "--aws-endpoint", "http://127.0.0.1:9",
        "--log-format", "json")) {
      worker.awaitLog("polling task queue", STARTUP);
      List<String> lines = worker.log().lines().toList();
      ObjectMapper json = new ObjectMapper();
      for (String line : lines) {
        assertThat(json.readTree(line).get("level")).as(line).isNotNull();
      }
      assertThat(worker.log()).contains("IN-MEMORY Temporal server", "DIE WITH THIS PROCESS",
          "Install the Temporal CLI");
      assertThat(worker.terminate(Duration.ofSeconds(60))).isIn(0, 143);
    }
  }

  @Test
  void devWithTheTemporalCliKeepsBuildsAcrossARestart() throws Exception {
    Optional<Path> temporal = Optional.of(temporalCli());
    Path data = dir.resolve("data");
    String port = String.valueOf(LoopbackPorts.reserve());
    String[] args = {"--dev", "--dev-port", port, "--dev-data-dir", data.toString(),
        "--temporal-cli", temporal.orElseThrow().toString(), "--aws-endpoint", "http://127.0.0.1:9",
        "--aws-poll-interval", "100"};
    String workflowId = "precache-durable-test";
    try (WorkerChild first = WorkerChild.start(dir.resolve("first.log"), Map.of(), dir, args)) {
      first.awaitLog("polling task queue", STARTUP);
      Matcher target = DEV_TARGET.matcher(first.log());
      assertThat(target.find()).as(first.log()).isTrue();
      assertThat(target.group(1)).isEqualTo("127.0.0.1:" + port);
      withClient(target.group(1), client -> {
        // AWS is unreachable (port 9), so the first step retries until the build is terminated below.
        BuildRequest request = new BuildRequest("durable", "us-west-2", List.of("nginx:1.27"), null, null, null, false,
            null, null, null, null, null, null, true, Map.of(), null, null, null, null);
        WorkflowClient.start(client.newWorkflowStub(SnapshotBuildWorkflow.class, WorkflowOptions.newBuilder()
            .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).setWorkflowId(workflowId)
            .setTypedSearchAttributes(SearchAttributes.EMPTY).build())::build, request);
      });
      assertThat(first.terminate(Duration.ofSeconds(60))).isIn(0, 143);
      assertThat(first.descendants()).as("the dev server stops with the worker").isEmpty();
    }
    try (WorkerChild second = WorkerChild.start(dir.resolve("second.log"), Map.of(), dir, args)) {
      second.awaitLog("polling task queue", STARTUP);
      withClient("127.0.0.1:" + port, client -> {
        assertThat(client.newUntypedWorkflowStub(workflowId).describe().getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
        client.newUntypedWorkflowStub(workflowId).terminate("test over");
      });
      assertThat(second.terminate(Duration.ofSeconds(60))).isIn(0, 143);
    }
    assertThat(data.resolve("dev.db")).exists();
  }

  /** The Temporal CLI, which CI installs; skipped with a reason elsewhere. */
  private static Path temporalCli() {
    Optional<Path> temporal = TemporalCliServer.find(null);
    Assumptions.assumeTrue(temporal.isPresent() || "true".equals(System.getenv("CI")),
        "the Temporal CLI is not installed (bash .ci/install-tools)");
    return temporal.orElseThrow(() -> new AssertionError("CI=true but the Temporal CLI is not installed"));
  }

  private static void withClient(String target, java.util.function.Consumer<WorkflowClient> use) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    try {
      use.accept(WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build()));
    } finally {
      stubs.shutdownNow();
    }
  }

  /**
   * A Temporal dev server with a fresh database (no search attributes registered), once it accepts connections: a
   * worker started before that would fail for want of a server, not for what the test is about.
   */
  private Process startDevServer(Path temporal, int port) throws Exception {
    Process server = new ProcessBuilder(temporal.toString(), "server", "start-dev", "--ip", "127.0.0.1",
        "--port", String.valueOf(port), "--ui-port", String.valueOf(LoopbackPorts.reserve()),
        "--db-filename", dir.resolve("bare.db").toString(), "--log-level", "warn")
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    Instant deadline = Instant.now().plus(STARTUP);
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return server;
      } catch (IOException notYet) {
        if (!server.isAlive() || Instant.now().isAfter(deadline)) {
          server.destroy();
          throw new AssertionError("dev server never listened on 127.0.0.1:" + port + ":\n"
              + Files.readString(dir.resolve("server.log")), notYet);
        }
        Thread.sleep(100);
      }
    }
  }

}

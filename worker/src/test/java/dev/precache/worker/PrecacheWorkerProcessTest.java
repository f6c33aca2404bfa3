package dev.precache.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    int port = freePort();
    Process server = new ProcessBuilder(temporal.toString(), "server", "start-dev", "--ip", "127.0.0.1",
        "--port", String.valueOf(port), "--ui-port", String.valueOf(freePort()),
        "--db-filename", dir.resolve("bare.db").toString(), "--log-level", "warn")
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
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
  void withoutTheTemporalCliDevWarnsLoudlyThatBuildsDieWithTheProcessAndLogsJsonOnRequest() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    try (WorkerChild worker = WorkerChild.start(dir.resolve("log"), Map.of("PATH", "/usr/bin:/bin"), home,
        "--dev", "--dev-port", String.valueOf(freePort()), "--aws-endpoint", "http://127.0.0.1:9",
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
    String port = String.valueOf(freePort());
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

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}

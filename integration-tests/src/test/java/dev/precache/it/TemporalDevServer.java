package dev.precache.it;

import dev.precache.worker.LoopbackPorts;
import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Temporal CLI's dev server (real server, SQLite persistence, Web UI) on loopback ports, for the test class
 * that registers it: {@code @RegisterExtension static final TemporalDevServer temporal = new TemporalDevServer();}.
 * Unlike the SDK's in-memory test server it has Schedules, visibility queries and the Web UI, and it can be
 * killed and restarted on the same database.
 */
final class TemporalDevServer implements BeforeAllCallback, AfterAllCallback {
  static final String NAMESPACE = "default";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

  private Path binary;
  private Path dataDirectory;
  private int port;
  private int uiPort;
  private ChildProcess process;
  private WorkflowServiceStubs stubs;
  private WorkflowClient client;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    binary = binary();
    dataDirectory = BuildDirectory.newDirectory("temporal-");
    port = LoopbackPorts.reserve();
    uiPort = LoopbackPorts.reserve();
    stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target()).build());
    client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (process != null) {
      process.close();
    }
  }

  /** The Temporal CLI: on the PATH, else where {@code go install} puts it; skips (or, on CI, fails) without it. */
  static Path binary() throws InterruptedException {
    return RequiredTool.onPathOr("temporal", Stream.of(goBin(), Path.of(System.getProperty("user.home"), "go", "bin"))
        .map(dir -> dir.resolve("temporal")).distinct().toList());
  }

  /** gRPC frontend, as {@code host:port}. */
  String target() {
    return LoopbackPorts.HOST + ":" + port;
  }

  URI uiUrl() {
    return URI.create("http://" + LoopbackPorts.HOST + ":" + uiPort);
  }

  WorkflowClient client() {
    return client;
  }

  ScheduleClient scheduleClient() {
    return ScheduleClient.newInstance(stubs, ScheduleClientOptions.newBuilder().setNamespace(NAMESPACE).build());
  }

  /** SIGKILL: the server gets no chance to flush or shut down cleanly. */
  void kill() {
    process.kill();
  }

  /** Starts the server again on the same ports and the same SQLite database. */
  void restart() throws InterruptedException {
    if (process.isAlive()) {
      process.kill();
    }
    start();
  }

  private void start() throws InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "server", "start-dev",
        "--ip", LoopbackPorts.HOST,
        "--port", String.valueOf(port),
        "--ui-port", String.valueOf(uiPort),
        "--db-filename", dataDirectory.resolve("temporal.db").toString(),
        "--log-level", "warn",
        "--dynamic-config-value", "frontend.enableServerVersionCheck=false"));
    for (SearchAttributeKey<?> key : BuildSearchAttributes.ALL) {
      command.add("--search-attribute");
      command.add(key.getName() + "=" + cliType(key.getValueType()));
    }
    // The server phones home for version checks unless told not to; this also covers the default value.
    process = ChildProcess.start("temporal dev server", command, Map.of("TEMPORAL_VERSION_CHECK_DISABLED", "1"),
        dataDirectory.resolve("temporal.log"));
    awaitReady();
  }

  /** Ready when the frontend serves the namespace (search attributes are registered before it listens) and the UI answers. */
  private void awaitReady() throws InterruptedException {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    DescribeNamespaceRequest describe = DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process + " exited during startup:\n" + process.logTail());
      }
      try {
        stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS).describeNamespace(describe);
        if (uiAnswers()) {
          return;
        }
      } catch (StatusRuntimeException notYet) {
        // still starting
      }
      if (Instant.now().isAfter(deadline)) {
        process.kill();
        throw new IllegalStateException(process + " not ready within " + STARTUP_TIMEOUT + ":\n" + process.logTail());
      }
      Thread.sleep(250);
    }
  }

  private boolean uiAnswers() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    HttpRequest request = HttpRequest.newBuilder(uiUrl()).timeout(Duration.ofSeconds(2)).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static String cliType(IndexedValueType type) {
    return switch (type) {
      case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
      case INDEXED_VALUE_TYPE_KEYWORD_LIST -> "KeywordList";
      case INDEXED_VALUE_TYPE_TEXT -> "Text";
      case INDEXED_VALUE_TYPE_INT -> "Int";
      case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
      case INDEXED_VALUE_TYPE_BOOL -> "Bool";
      case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
      default -> throw new IllegalArgumentException("no dev-server type for " + type);
    };
  }

  /** {@code $(go env GOPATH)/bin}, where {@code go install} puts the CLI; ~/go/bin when go is absent. */
  private static Path goBin() throws InterruptedException {
    Path fallback = Path.of(System.getProperty("user.home"), "go", "bin");
    try {
      Process go = new ProcessBuilder("go", "env", "GOPATH").redirectErrorStream(true).start();
      String gopath = new String(go.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return go.waitFor() == 0 && !gopath.isEmpty() ? Path.of(gopath.split(File.pathSeparator)[0], "bin") : fallback;
    } catch (IOException goMissing) {
      return fallback;
    }
  }
}

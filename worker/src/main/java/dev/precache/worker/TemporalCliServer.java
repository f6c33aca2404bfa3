package dev.precache.worker;

import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The durable server of {@code worker --dev}: the Temporal CLI's dev server ({@code temporal server start-dev}) as
 * a child process on 127.0.0.1, keeping its state in a SQLite file, so a restarted {@code worker --dev} finds the
 * builds it had started and resumes or tears them down. Its log and process ID sit beside the database; a server
 * left behind by a worker that was killed outright is stopped before a new one starts on the same file.
 */
final class TemporalCliServer implements LocalTemporal {
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  static final String NAMESPACE = "default";
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Process process;
  private final int port;
  private final int uiPort;
  private final Path database;
  private final Path log;

  private TemporalCliServer(Process process, int port, int uiPort, Path database, Path log) {
    this.process = process;
    this.port = port;
    this.uiPort = uiPort;
    this.database = database;
    this.log = log;
  }

  /** The {@code temporal} binary: {@code explicit} if given, else on the PATH, else where {@code go install} puts it. */
  static Optional<Path> find(Path explicit) {
    if (explicit != null) {
      return Files.isExecutable(explicit) ? Optional.of(explicit) : Optional.empty();
    }
    Stream<Path> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isBlank()).map(Path::of);
    return Stream.concat(path, Stream.of(Path.of(System.getProperty("user.home"), "go", "bin")))
        .map(dir -> dir.resolve("temporal"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * Starts the dev server on {@code dataDirectory}/dev.db and waits until it serves the namespace.
   *
   * @param port the gRPC port; the Web UI gets a free one
   */
  static TemporalCliServer start(Path binary, Path dataDirectory, int port) throws IOException, InterruptedException {
    Files.createDirectories(dataDirectory);
    Path database = dataDirectory.resolve("dev.db");
    Path log = dataDirectory.resolve("dev-server.log");
    Path pidFile = dataDirectory.resolve("dev-server.pid");
    stopLeftover(pidFile);
    int uiPort = LoopbackPorts.reserve();
    List<String> command = new ArrayList<>();
    // In a session of its own, a Ctrl-C in the worker's terminal reaches the worker only, which stops the server
    // after its activities had their grace period, rather than the server dying under them at once.
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.addAll(List.of(binary.toString(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", String.valueOf(port), "--ui-port", String.valueOf(uiPort),
        "--db-filename", database.toString(), "--namespace", NAMESPACE, "--log-level", "warn"));
    for (var key : BuildSearchAttributes.ALL) {
      command.add("--search-attribute");
      command.add(key.getName() + "=" + (key.getValueType() == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST
          ? "KeywordList" : "Keyword"));
    }
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Files.writeString(pidFile, String.valueOf(process.pid()), StandardCharsets.UTF_8);
    TemporalCliServer server = new TemporalCliServer(process, port, uiPort, database, log);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** 7233 when it is free (where every client looks first), else any free port. */
  static int defaultPort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7233));
      return 7233;
    } catch (IOException taken) {
      return LoopbackPorts.reserve();
    }
  }

  @Override
  public String target() {
    return "127.0.0.1:" + port;
  }

  @Override
  public boolean durable() {
    return true;
  }

  String uiUrl() {
    return "http://127.0.0.1:" + uiPort;
  }

  Path database() {
    return database;
  }

  Path log() {
    return log;
  }

  /** SIGTERM, then SIGKILL if it has not stopped in time. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target()).build());
    try {
      Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
      DescribeNamespaceRequest describe = DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build();
      while (true) {
        if (!process.isAlive()) {
          throw new IOException("temporal server start-dev exited with " + process.exitValue() + "; see " + log);
        }
        try {
          stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS).describeNamespace(describe);
          return;
        } catch (StatusRuntimeException notYet) {
          if (Instant.now().isAfter(deadline)) {
            throw new IOException("temporal server start-dev not ready within " + STARTUP_TIMEOUT + "; see " + log);
          }
          Thread.sleep(200);
        }
      }
    } finally {
      stubs.shutdownNow();
    }
  }

  /** A dev server this data directory's last worker started and could not stop (it was killed) holds the database. */
  private static void stopLeftover(Path pidFile) throws IOException, InterruptedException {
    if (!Files.exists(pidFile)) {
      return;
    }
    String pid = Files.readString(pidFile, StandardCharsets.UTF_8).strip();
    Optional<ProcessHandle> leftover = pid.matches("\\d+") ? ProcessHandle.of(Long.parseLong(pid)) : Optional.empty();
    if (leftover.isPresent() && leftover.get().isAlive()
        && leftover.get().info().commandLine().map(line -> line.contains("start-dev")).orElse(false)) {
      leftover.get().destroy();
      try {
        leftover.get().onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        leftover.get().destroyForcibly();
      }
    }
    Files.delete(pidFile);
  }
}

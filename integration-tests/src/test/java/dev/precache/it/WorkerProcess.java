package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker as users run it: {@code java -jar worker/target/precache-worker.jar} in its own process, connected to
 * Temporal through the standard environment variables and to the simulated cloud through {@code --aws-endpoint},
 * with dummy credentials and no instance metadata, so it cannot reach real AWS.
 */
final class WorkerProcess implements AutoCloseable {
  /** Surefire runs tests in the module's directory; the reactor packages the worker before this module. */
  private static final Path JAR = Path.of("../worker/target/precache-worker.jar").toAbsolutePath().normalize();
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final String READY = "polling task queue";

  private final ChildProcess process;
  private final Path log;

  private WorkerProcess(ChildProcess process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts a worker and waits until it polls. */
  static WorkerProcess start(String temporalTarget, SimulatedAws aws, Duration awsPollInterval)
      throws InterruptedException {
    return start(temporalTarget, aws, awsPollInterval, List.of());
  }

  /** Starts a worker with {@code moreArgs} after the simulator's, and waits until it polls. */
  static WorkerProcess start(String temporalTarget, SimulatedAws aws, Duration awsPollInterval,
      List<String> moreArgs) throws InterruptedException {
    List<String> args = new ArrayList<>(awsArguments(aws, awsPollInterval));
    args.addAll(moreArgs);
    return start(Map.of("TEMPORAL_ADDRESS", temporalTarget, "TEMPORAL_NAMESPACE", TemporalDevServer.NAMESPACE), args);
  }

  /**
   * Starts {@code worker --dev} on the Temporal CLI's dev server, its database in {@code dataDirectory}, listening on
   * {@code port}, and waits until it polls.
   */
  static WorkerProcess startDev(Path temporalCli, Path dataDirectory, int port, SimulatedAws aws,
      Duration awsPollInterval) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("--dev", "--temporal-cli", temporalCli.toString(),
        "--dev-data-dir", dataDirectory.toString(), "--dev-port", String.valueOf(port), "--shutdown-grace", "2"));
    args.addAll(awsArguments(aws, awsPollInterval));
    return start(Map.of(), args);
  }

  /** The simulator as AWS and as every registry. */
  private static List<String> awsArguments(SimulatedAws aws, Duration awsPollInterval) {
    List<String> args = new ArrayList<>(List.of("--aws-endpoint", aws.endpoint().toString(),
        "--aws-poll-interval", String.valueOf(awsPollInterval.toMillis())));
    aws.registryEndpoints().mapping().forEach((host, url) -> args.addAll(List.of("--registry-endpoint", host + "=" + url)));
    return args;
  }

  private static WorkerProcess start(Map<String, String> temporal, List<String> args) throws InterruptedException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run the tests through the reactor, "
          + "mvn -pl integration-tests -am verify, which packages the worker first");
    }
    Path log = BuildDirectory.newDirectory("worker-").resolve("worker.log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-jar", JAR.toString()));
    command.addAll(args);
    Map<String, String> environment = new HashMap<>(temporal);
    environment.putAll(Map.of(
            "AWS_ACCESS_KEY_ID", SimulatedAws.ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY", SimulatedAws.SECRET_ACCESS_KEY,
            "AWS_REGION", "us-west-2",
            "AWS_EC2_METADATA_DISABLED", "true"));
    ChildProcess process = ChildProcess.start("precache worker", command, environment, log);
    WorkerProcess worker = new WorkerProcess(process, log);
    worker.awaitPolling();
    return worker;
  }

  /** Everything the worker printed, stdout and stderr. */
  Path log() {
    return log;
  }

  /** The SDK's default worker identity, {@code pid@host}, starts with this. */
  long pid() {
    return process.pid();
  }

  /** SIGKILL: running activities stop dead, with no chance to report anything. */
  void kill() {
    process.kill();
  }

  @Override
  public void close() {
    process.close();
  }

  private void awaitPolling() throws InterruptedException {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (!logContains(READY)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process + " exited during startup:\n" + process.logTail());
      }
      if (Instant.now().isAfter(deadline)) {
        process.kill();
        throw new IllegalStateException(process + " not polling within " + STARTUP_TIMEOUT + ":\n" + process.logTail());
      }
      Thread.sleep(100);
    }
  }

  private boolean logContains(String text) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

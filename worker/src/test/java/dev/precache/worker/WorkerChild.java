package dev.precache.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code precache worker} in its own process, on this test's class path, as a user runs it: dummy AWS credentials,
 * no instance metadata, no Temporal settings but those given. Output (stdout and stderr) goes to one log file.
 */
final class WorkerChild implements AutoCloseable {
  private final Process process;
  private final Path log;

  private WorkerChild(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** @param userHome the JVM's user.home, where the worker looks for ~/go/bin/temporal */
  static WorkerChild start(Path log, Map<String, String> environment, Path userHome, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Duser.home=" + userHome, "-cp", System.getProperty("java.class.path"), PrecacheWorker.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().keySet().removeIf(name -> name.startsWith("TEMPORAL_") || name.startsWith("AWS_"));
    builder.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
        "AWS_REGION", "us-west-2", "AWS_EC2_METADATA_DISABLED", "true"));
    builder.environment().putAll(environment);
    try {
      return new WorkerChild(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void awaitLog(String text, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!log().contains(text)) {
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        throw new AssertionError("worker log never said '" + text + "' (alive: " + process.isAlive() + "):\n" + log());
      }
      Thread.sleep(100);
    }
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new AssertionError("worker did not exit within " + timeout + ":\n" + log());
    }
    return process.exitValue();
  }

  /** SIGTERM, as a service manager stops it, and wait for its graceful shutdown. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return awaitExit(timeout);
  }

  List<ProcessHandle> descendants() {
    return process.descendants().toList();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}

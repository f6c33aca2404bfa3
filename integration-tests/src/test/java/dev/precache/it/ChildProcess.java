package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An external server or tool the tests start, with its output in a log file. Whatever the tests leave running
 * is killed by a JVM shutdown hook, so a failed or interrupted run leaves no orphan processes.
 */
final class ChildProcess implements AutoCloseable {
  private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ChildProcess::kill), "kill-child-processes"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command} with {@code environment} added to this JVM's; stdout and stderr go to {@code log}. */
  static ChildProcess start(String name, List<String> command, Map<String, String> environment, Path log) {
    return start(name, command, environment, log, log);
  }

  /** As {@link #start(String, List, Map, Path)}, for tools whose stdout is their result, not a log. */
  static ChildProcess start(
      String name, List<String> command, Map<String, String> environment, Path stdout, Path log) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    try {
      ChildProcess child = new ChildProcess(name, builder.start(), log);
      RUNNING.add(child);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit by itself; kills it when it takes longer than {@code timeout}. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new IllegalStateException(name + " did not finish within " + timeout + "; log:\n" + logTail());
    }
    RUNNING.remove(this);
    return process.exitValue();
  }

  /** SIGKILL, as a crash would: the process and everything it started, with no chance to clean up. */
  /**
   * Waits until {@code ready} answers 200, polling every {@code poll}; kills the process and says why when it exits
   * or is not ready within {@code timeout}.
   */
  void awaitHttpOk(URI ready, Duration timeout, Duration poll) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    HttpRequest request = HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET().build();
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      if (!isAlive()) {
        throw new IllegalStateException(this + " exited during startup:\n" + logTail());
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (Instant.now().isAfter(deadline)) {
        kill();
        throw new IllegalStateException(this + " not ready within " + timeout + ":\n" + logTail());
      }
      Thread.sleep(poll.toMillis());
    }
  }

  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    awaitExit(process.toHandle(), Duration.ofSeconds(10));
    RUNNING.remove(this);
  }

  /** SIGTERM, then SIGKILL for whatever has not exited after a grace period. */
  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    if (!awaitExit(process.toHandle(), GRACEFUL_STOP)) {
      process.destroyForcibly();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    awaitExit(process.toHandle(), Duration.ofSeconds(10));
    RUNNING.remove(this);
  }

  /** The last lines of the log, for failure messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }

  private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}

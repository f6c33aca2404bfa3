package dev.precache.starter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CLI as a user runs it: {@code java dev.precache.starter.PrecacheCli ARGS} in its own process, on this
 * test's class path, with no Temporal or AWS settings inherited from the machine but those given.
 */
final class CliProcess implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  /** One run to its end. */
  record Run(int exit, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private CliProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  static CliProcess start(Map<String, String> environment, String... args) {
    return start(environment, cliCommand(args));
  }

  /**
   * The CLI on a pseudo-terminal, as in an interactive shell: util-linux {@code script} gives it one and copies
   * what it writes there (stdout and stderr together) to stdout.
   */
  static Run runOnTerminal(Map<String, String> environment, String... args) throws InterruptedException {
    String shellCommand = cliCommand(args).stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'")
        .collect(java.util.stream.Collectors.joining(" "));
    try (CliProcess cli = start(environment, List.of("script", "-qefc", shellCommand, "/dev/null"))) {
      return cli.await();
    }
  }

  private static List<String> cliCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), PrecacheCli.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  private static CliProcess start(Map<String, String> environment, List<String> command) {
    try {
      Path out = Files.createTempFile("precache-cli", ".out");
      Path err = Files.createTempFile("precache-cli", ".err");
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("TEMPORAL_") || name.startsWith("AWS_"));
      builder.environment().putAll(environment);
      return new CliProcess(builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Run run(Map<String, String> environment, String... args) throws InterruptedException {
    try (CliProcess cli = start(environment, args)) {
      return cli.await();
    }
  }

  /** Sends a signal, e.g. {@code INT} as Ctrl-C does. */
  void signal(String name) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  String outSoFar() {
    return read(stdout);
  }

  String errSoFar() {
    return read(stderr);
  }

  /** Waits for the CLI to exit; kills it after a minute. */
  Run await() throws InterruptedException {
    if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the CLI did not exit within " + TIMEOUT + "\n" + outSoFar() + errSoFar());
    }
    return new Run(process.exitValue(), read(stdout), read(stderr));
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

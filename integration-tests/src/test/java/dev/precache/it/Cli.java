package dev.precache.it;

import dev.precache.starter.PrecacheCli;
import dev.precache.starter.TemporalConnection;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import picocli.CommandLine;

/** The {@code precache} CLI, run in this JVM against a test's Temporal client, as a user types it. */
final class Cli {
  /** How often {@code build} and {@code watch} poll the build's progress. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  private final WorkflowClient client;

  Cli(WorkflowClient client) {
    this.client = client;
  }

  record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = new PrecacheCli(() -> TemporalConnection.borrowing(client), POLL_INTERVAL).commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }
}

package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.starter.PrecacheCli;
import dev.precache.starter.TemporalConnection;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;

/** The {@code precache} CLI, run in this JVM against a test's Temporal client, as a user types it. */
final class Cli {
  /** How often {@code build} and {@code watch} poll the build's progress. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(10);

  private final WorkflowClient client;

  /** @param client the test's Temporal server; null: no server configured, as for a user who has none */
  Cli(WorkflowClient client) {
    this.client = client;
  }

  record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /**
   * Runs {@code precache list} with {@code filters} until it lists exactly {@code expectedWorkflowIds} (visibility
   * is eventually consistent); fails with what it lists after 10 s.
   */
  void awaitListed(Set<String> expectedWorkflowIds, String... filters) throws InterruptedException {
    List<String> command = new ArrayList<>(List.of("list"));
    command.addAll(List.of(filters));
    Instant deadline = Instant.now().plus(VISIBILITY_TIMEOUT);
    Run list = run(command.toArray(String[]::new));
    while (!listedWorkflowIds(list).equals(expectedWorkflowIds) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      list = run(command.toArray(String[]::new));
    }
    assertThat(listedWorkflowIds(list)).as("precache %s\n%s", String.join(" ", command), list)
        .isEqualTo(expectedWorkflowIds);
  }

  /** The first column of every row under the header. */
  private static Set<String> listedWorkflowIds(Run list) {
    assertThat(list.exitCode()).as("%s", list).isZero();
    return list.out().lines().skip(1).map(row -> row.split("\\s+")[0]).collect(Collectors.toSet());
  }

  Run run(String... args) {
    return execute(client == null ? PrecacheCli.withoutTemporal(POLL_INTERVAL)
        : new PrecacheCli(() -> TemporalConnection.borrowing(client), POLL_INTERVAL), args);
  }

  /** Runs the CLI as {@code main} makes it: its server from {@code --address} and the environment, not the test's. */
  static Run runAsInstalled(String... args) {
    return execute(new PrecacheCli(POLL_INTERVAL), args);
  }

  private static Run execute(PrecacheCli cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = cli.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }
}

package dev.precache.starter;

import java.time.Duration;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code precache}: build EBS snapshots of Bottlerocket data volumes with container images pre-pulled. */
@Command(
    name = "precache",
    mixinStandardHelpOptions = true,
    version = "precache 0.1.0",
    description = "Builds EBS snapshots of Bottlerocket data volumes with container images pre-pulled.",
    subcommands = {
        BuildCommand.class, PlanCommand.class, StatusCommand.class, WatchCommand.class, CancelCommand.class,
        ListCommand.class,
        ScheduleCommand.class
    })
public final class PrecacheCli {
  static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private final Supplier<TemporalConnection> connector;
  private final Duration pollInterval;

  public PrecacheCli(Supplier<TemporalConnection> connector, Duration pollInterval) {
    this.connector = connector;
    this.pollInterval = pollInterval;
  }

  public static void main(String[] args) {
    PrecacheCli cli = new PrecacheCli(TemporalConnection::fromEnvironment, POLL_INTERVAL);
    System.exit(cli.commandLine().execute(args));
  }

  /**
   * The command line with precache's exit codes: 0 success, 1 failed build or error, 2 bad usage or input.
   * Errors print as one line, not a stack trace.
   */
  public CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(this).setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + e.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    });
    return commandLine;
  }

  TemporalConnection connect() {
    return connector.get();
  }

  Duration pollInterval() {
    return pollInterval;
  }
}

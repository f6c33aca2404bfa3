package dev.precache.starter;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code precache watch ID}: follows a build to its end, printing what {@code build} prints while it waits. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Follow a build until it ends; Ctrl-C stops following, the build goes on.")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "Workflow ID of the build.")
  String workflowId;

  @Option(names = "--cancel-on-interrupt",
      description = "On Ctrl-C, cancel the build and wait for its teardown (default: Ctrl-C leaves it running).")
  boolean cancelOnInterrupt;

  @Override
  public Integer call() {
    try (TemporalConnection connection = cli.connect()) {
      BuildStatus.describe(connection, workflowId); // an unknown ID fails here, not after a poll
      spec.commandLine().getErr().println("watching " + workflowId + " on " + connection.server());
      spec.commandLine().getErr().flush();
      BuildWatcher watcher = new BuildWatcher(connection, workflowId,
          ProgressPrinter.forStream(spec.commandLine().getOut(), cli.stdoutIsTerminal()), cli.pollInterval(),
          cli.interrupts(), cancelOnInterrupt, spec.commandLine().getErr());
      return BuildReport.conclude(watcher.follow(), workflowId, false, false, spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
  }
}

package dev.precache.starter;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code precache watch ID}: follows a build to its end, printing what {@code build} prints while it waits. */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a build until it ends.")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "Workflow ID of the build.")
  String workflowId;

  @Override
  public Integer call() {
    try (TemporalConnection connection = cli.connect()) {
      return new BuildWatcher(connection.client().newUntypedWorkflowStub(workflowId),
          new ProgressPrinter(spec.commandLine().getOut()), cli.pollInterval())
          .follow(spec.commandLine().getErr(), result -> {});
    }
  }
}

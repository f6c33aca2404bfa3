package dev.precache.starter;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code precache cancel ID}: asks the build to stop; the workflow then tears down what it made. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a build; its teardown (stack deletion) still runs.")
final class CancelCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "Workflow ID of the build.")
  String workflowId;

  @Override
  public Integer call() {
    try (TemporalConnection connection = cli.connect()) {
      connection.client().newUntypedWorkflowStub(workflowId).cancel();
      spec.commandLine().getOut().println(
          "Cancellation requested for " + workflowId + "; the build tears down its stack before it ends.");
      return CommandLine.ExitCode.OK;
    }
  }
}

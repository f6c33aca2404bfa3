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
      BuildState state = BuildStatus.state(BuildStatus.describe(connection, workflowId));
      if (state != BuildState.RUNNING) {
        throw CliError.failed("build " + workflowId + " already ended", state.name(), "nothing to cancel");
      }
      try {
        connection.client().newUntypedWorkflowStub(workflowId).cancel();
      } catch (RuntimeException e) {
        throw TemporalErrors.translate(e, connection.server(), workflowId);
      }
      spec.commandLine().getOut().println("Cancellation requested for " + workflowId
          + "; the build tears down its stack before it ends (precache watch " + workflowId + " follows it).");
      spec.commandLine().getOut().flush();
      new WorkerPresence(connection, spec.commandLine().getErr()).warnIfNone();
      return CommandLine.ExitCode.OK;
    }
  }
}

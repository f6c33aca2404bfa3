package dev.precache.starter;

import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuilderActivities.BuilderStack;
import dev.precache.workflows.BuilderSetupWorkflow;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache setup [-r REGION] [--delete [--force]]}: makes the region's builder stack current, or deletes
 * it, through the worker (which alone has AWS credentials) in a {@link BuilderSetupWorkflow}. A second setup of
 * the same region attaches to the one running. Deleting is refused while builds run in the region: they launch
 * with the stack's instance profile.
 */
@Command(name = "setup", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Create or update the region's builder stack (the IAM role and instance profile every build "
        + "shares; the first build makes it otherwise), or delete it with --delete.")
final class SetupCommand implements Callable<Integer> {
  /** A stack is minutes; a setup nobody picks up (no worker) gives up after this. */
  private static final Duration SETUP_TIMEOUT = Duration.ofHours(1);
  /** How many running builds a refusal names. */
  private static final int RUNNING_NAMED = 5;

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Option(names = {"-r", "--region"},
      description = "AWS region of the builder stack (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
  String region;

  @Option(names = "--delete", description = "Delete the builder stack and wait until it is gone.")
  boolean delete;

  @Option(names = "--force", description = "With --delete: delete even while builds are running in the region.")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String chosen = region != null ? region : BuildOptions.regionFromEnvironment();
    if (chosen == null || chosen.isBlank()) {
      return CliError.usage("missing --region", "no -r/--region, and neither AWS_REGION nor AWS_DEFAULT_REGION is "
          + "set", "pass e.g. -r us-west-2, or export AWS_REGION=us-west-2").report(err);
    }
    if (!BuildRequestValidator.isRegion(chosen)) {
      return CliError.usage("invalid --region", "must be an AWS region such as us-west-2, got '" + chosen + "'",
          null).report(err);
    }
    if (force && !delete) {
      return CliError.usage("invalid --force", "only with --delete", null).report(err);
    }
    try (TemporalConnection connection = cli.connect()) {
      if (delete && !force) {
        refuseWhileBuildsRun(connection, chosen);
      }
      BuilderStack stack = run(connection, chosen, err);
      out.println(describe(stack));
      out.flush();
      return CommandLine.ExitCode.OK;
    } catch (WorkflowFailedException e) {
      return CliError.failed((delete ? "deleting" : "setting up") + " the builder stack in " + chosen + " failed",
          BuildWatcher.causeOf(e), null).report(err);
    }
  }

  /** Exit 2, nothing changed, when builds run in the region or the server cannot say whether they do. */
  private void refuseWhileBuildsRun(TemporalConnection connection, String region) {
    List<WorkflowExecutionMetadata> running;
    try {
      running = new BuildListing().running().region(region)
          .newest(connection.client()::listExecutions, RUNNING_NAMED);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.UNIMPLEMENTED) {
        throw TemporalErrors.translate(e, connection.server(), null);
      }
      throw CliError.usage("refusing to delete the builder stack of " + region, "the Temporal server at "
          + connection.server().address() + " has no visibility queries, so running builds cannot be ruled out",
          "pass --force once no build is running in " + region);
    }
    if (!running.isEmpty()) {
      List<String> ids = running.stream().map(build -> build.getExecution().getWorkflowId()).toList();
      throw CliError.usage("refusing to delete the builder stack of " + region,
          (ids.size() == RUNNING_NAMED ? "at least " : "") + ids.size() + " build(s) running there use it: "
              + String.join(", ", ids),
          "wait for them or cancel them (precache cancel ID), or pass --force");
    }
  }

  /** Starts the setup, or attaches to the one of this region and action already running, and waits for it. */
  private BuilderStack run(TemporalConnection connection, String region, PrintWriter err) {
    WorkflowClient client = connection.client();
    String workflowId = BuilderSetupWorkflow.workflowId(region, delete);
    BuilderSetupWorkflow workflow = client.newWorkflowStub(BuilderSetupWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setWorkflowId(workflowId)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowExecutionTimeout(SETUP_TIMEOUT)
        .setStaticSummary("precache setup" + (delete ? " --delete" : "") + " -r " + region)
        .build());
    try {
      WorkflowClient.start(workflow::setup, region, delete);
      err.println((delete ? "Deleting" : "Setting up") + " the builder stack in " + region + " (" + workflowId
          + " on " + connection.server() + ")");
    } catch (WorkflowExecutionAlreadyStarted e) {
      err.println("attaching to running " + workflowId + " on " + connection.server());
    } catch (RuntimeException e) {
      throw TemporalErrors.translate(e, connection.server(), null);
    }
    err.flush();
    new WorkerPresence(connection, err).warnIfNone();
    return client.newUntypedWorkflowStub(workflowId).getResult(BuilderStack.class);
  }

  static String describe(BuilderStack stack) {
    String where = stack.stackName() + " in " + stack.region();
    return switch (stack.outcome()) {
      case CREATED -> "created " + where + ", version " + stack.version() + ": instance profile "
          + stack.instanceProfileName();
      case UPDATED -> "updated " + where + " to version " + stack.version() + ": instance profile "
          + stack.instanceProfileName();
      case FOUND -> where + " is current, version " + stack.version() + ": instance profile "
          + stack.instanceProfileName();
      case DELETED -> "deleted " + where + " (version " + stack.version() + ")";
      case ABSENT -> "no " + where + ": nothing to delete";
    };
  }
}

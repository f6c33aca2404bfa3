package dev.precache.starter;

import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.InvalidRequestException;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache build}: snapshot.sh's flags, short and long, plus precache's own. Starts the build (or
 * attaches to the same build already running) and by default follows it to the end.
 */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Build a snapshot with the given images pre-pulled (flags compatible with snapshot.sh).")
final class BuildCommand implements Callable<Integer> {

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Mixin
  BuildOptions options;

  @Option(names = {"-q", "--quiet"}, description = "Print only the snapshot ID on stdout.")
  boolean quiet;

  @Option(names = "--detach", description = "Print the workflow ID and return without waiting.")
  boolean detach;

  @Parameters(arity = "1..*", split = ",", paramLabel = "IMAGES",
      description = "Images to pre-pull, comma-separated.")
  List<String> images;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BuildRequest request;
    try {
      request = BuildRequestValidator.normalize(toRequest());
    } catch (InvalidRequestException e) {
      err.println(BuildOptions.invalid(e));
      return CommandLine.ExitCode.USAGE;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = quiet ? new PrintWriter(Writer.nullWriter()) : out;
    try (TemporalConnection connection = cli.connect()) {
      String workflowId = startOrAttach(connection.client(), request, progress, err);
      if (detach) {
        out.println(workflowId);
        return CommandLine.ExitCode.OK;
      }
      WorkflowStub stub = connection.client().newUntypedWorkflowStub(workflowId);
      return new BuildWatcher(stub, new ProgressPrinter(progress), cli.pollInterval()).follow(err, result -> {
        if (quiet) {
          out.println(result.snapshotId());
        }
      });
    }
  }

  /** The request as the flags say it; other defaults are the validator's job. */
  BuildRequest toRequest() {
    return options.toRequest(images);
  }

  /**
   * The workflow ID leaves out {@code --timeout} and {@code --parallelism}, so a request differing only in them
   * attaches to the running build, which keeps its own: say so rather than ignore them silently.
   */
  private static void warnOfIgnoredValues(WorkflowClient client, String workflowId, BuildRequest request,
      PrintWriter err) {
    BuildRequest running = RunningRequest.of(client, workflowId);
    if (running == null) {
      return;
    }
    if (!running.timeout().equals(request.timeout())) {
      err.println("note: --timeout " + BuildWorkflowOptions.human(request.timeout()) + " is ignored: the running "
          + "build keeps its " + BuildWorkflowOptions.human(running.timeout()));
    }
    if (!running.pullParallelism().equals(request.pullParallelism())) {
      err.println("note: --parallelism " + request.pullParallelism() + " is ignored: the running build keeps its "
          + running.pullParallelism());
    }
    err.flush();
  }

  /**
   * Starts the build unless the same build is already running (its workflow ID is a hash of the request),
   * and returns the workflow ID.
   */
  private static String startOrAttach(WorkflowClient client, BuildRequest request, PrintWriter progress,
      PrintWriter err) {
    String workflowId = BuildIdentity.workflowIdFor(request);
    WorkflowOptions workflowOptions = BuildWorkflowOptions.of(request).setWorkflowId(workflowId).build();
    SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class, workflowOptions);
    try {
      WorkflowClient.start(workflow::build, request);
      progress.println("Started build " + workflowId);
    } catch (WorkflowExecutionAlreadyStarted e) {
      progress.println("attaching to running build " + workflowId);
      warnOfIgnoredValues(client, workflowId, request, err);
    }
    progress.flush();
    return workflowId;
  }
}

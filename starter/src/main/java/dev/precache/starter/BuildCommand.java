package dev.precache.starter;

import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.InvalidRequestException;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.io.PrintWriter;
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
  /** Runs of the same flags kept apart by a suffix, within the namespace's retention. */
  private static final int MAX_RUNS_OF_ONE_REQUEST = 1000;

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Mixin
  BuildOptions options;

  @Mixin
  NodeClassTarget nodeClass;

  @Option(names = {"-q", "--quiet"},
      description = "As snapshot.sh: progress to stderr, only the snapshot ID on stdout (with --detach: the workflow ID).")
  boolean quiet;

  @Option(names = "--detach", description = "Print the workflow ID on stdout and return once the build started.")
  boolean detach;

  @Option(names = "--cancel-on-interrupt",
      description = "On Ctrl-C, cancel the build and wait for its teardown (default: Ctrl-C leaves it running).")
  boolean cancelOnInterrupt;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: one JSON document on stdout at the end, progress on stderr (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Parameters(arity = "1..*", split = ",", paramLabel = "IMAGES",
      description = "Images to pre-pull, comma-separated.")
  List<String> images;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BuildRequest flags = null;
    BuildRequest request;
    try {
      flags = toRequest();
      request = BuildRequestValidator.normalizeToStart(flags);
    } catch (InvalidRequestException e) {
      return BuildOptions.invalid(e, flags).report(err);
    }
    if (detach && nodeClass.name != null) {
      return CliError.usage("invalid --nodeclass", "it applies once the build succeeds, which --detach does not wait for",
          "later: precache nodeclass ID --apply " + nodeClass.name).report(err);
    }
    String keyPolicy = SharedKeyPolicy.statement(request);
    if (keyPolicy != null) {
      err.println("note: the accounts shared with need this statement in the key policy of "
          + String.join("; ", SharedKeyPolicy.keys(request)) + ":");
      err.println(keyPolicy);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean json = output == OutputFormat.json;
    // As snapshot.sh does: whenever stdout carries a result for scripts, the log goes to stderr.
    PrintWriter log = quiet || json || detach ? err : out;
    cli.onInterruptBeforeFollowing("while connecting to the Temporal server: no build was started");
    try (NodeClassApplier applier = nodeClass.connect(); TemporalConnection connection = cli.connect()) {
      cli.onInterruptBeforeFollowing("while starting the build on " + connection.server().address()
          + ": it may have started; `precache list` shows it");
      String workflowId = startOrAttach(connection, request, log, err);
      cli.onInterruptBeforeFollowing("after starting " + workflowId + ", which goes on: precache watch "
          + workflowId + " / precache cancel " + workflowId);
      if (detach) {
        new WorkerPresence(connection, err).warnIfNone();
        if (json) {
          BuildReport.print(out, BuildReport.running(workflowId));
        } else {
          out.println(workflowId);
        }
        return CommandLine.ExitCode.OK;
      }
      BuildWatcher watcher = new BuildWatcher(connection, workflowId,
          ProgressPrinter.forStream(log, log == out && cli.stdoutIsTerminal()), cli.pollInterval(), cli.interrupts(),
          cancelOnInterrupt, err);
      BuildWatcher.Outcome outcome = watcher.follow();
      int exit = BuildReport.conclude(outcome, workflowId, json, quiet, out, err);
      return applier != null && outcome instanceof BuildWatcher.Outcome.Succeeded
          ? nodeClass.apply(applier, connection, workflowId, log, err) : exit;
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
    if (request.pullParallelism() != null && !request.pullParallelism().equals(running.pullParallelism())) {
      err.println("note: --parallelism " + request.pullParallelism() + " is ignored: the running build keeps its "
          + (running.pullParallelism() == null ? "planned parallelism" : running.pullParallelism()));
    }
    err.flush();
  }

  /**
   * Starts the build unless the same build is already running, and returns its workflow ID. The ID is a hash of
   * the request, so the same flags twice attach to the running build; once that build has ended, the next run
   * of the same flags gets the next free ID ({@code …-2}, {@code …-3}), so every run keeps an ID of its own.
   */
  private static String startOrAttach(TemporalConnection connection, BuildRequest request, PrintWriter log,
      PrintWriter err) {
    WorkflowClient client = connection.client();
    String baseId = BuildIdentity.workflowIdFor(request);
    for (int run = 1; run <= MAX_RUNS_OF_ONE_REQUEST; run++) {
      String workflowId = run == 1 ? baseId : baseId + "-" + run;
      WorkflowOptions workflowOptions = BuildWorkflowOptions.of(request).setWorkflowId(workflowId)
          .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE).build();
      SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class, workflowOptions);
      try {
        WorkflowClient.start(workflow::build, request);
        log.println("Started build " + workflowId + " on " + connection.server());
        log.flush();
        return workflowId;
      } catch (WorkflowExecutionAlreadyStarted e) {
        if (BuildStatus.describe(connection, workflowId).getStatus()
            == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          log.println("attaching to running build " + workflowId + " on " + connection.server());
          log.flush();
          warnOfIgnoredValues(client, workflowId, request, err);
          return workflowId;
        }
      } catch (RuntimeException e) {
        throw TemporalErrors.translate(e, connection.server(), null);
      }
    }
    throw CliError.failed("cannot start build " + baseId, "its flags already ran " + MAX_RUNS_OF_ONE_REQUEST
        + " times within the namespace's retention", "change --name");
  }
}

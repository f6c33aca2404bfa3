package dev.precache.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InvalidRequestException;
import dev.precache.workflows.RestoreTimeModel;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.VerifyRequest;
import dev.precache.workflows.VerifyResult;
import dev.precache.workflows.VerifySnapshotWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache verify SNAPSHOT}: restores the snapshot on a probe instance per architecture it records and checks
 * every recorded image × platform ({@link VerifySnapshotWorkflow}, run by the worker: the CLI has no AWS
 * credentials), following it as {@code build} does. Exit 0 passed, 1 failed (or could not verify), 2 bad input.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Restore a snapshot on a short-lived probe instance per architecture and check that every image "
        + "x platform it records is complete, at its recorded digest and pinned; report how long the images took "
        + "to become readable. Probe stacks are torn down however it ends.")
final class VerifyCommand implements Callable<Integer> {

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "SNAPSHOT", description = "The snapshot ID, e.g. snap-0123456789abcdef0.")
  String snapshotId;

  @Option(names = {"-r", "--region"},
      description = "AWS region of the snapshot (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
  String region;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long the probes may take before they are torn down (1h).")
  Duration timeout;

  @Option(names = "--volume-initialization-rate", paramLabel = "MiBps",
      description = "Restore the probes' volumes with EBS's provisioned initialization rate (100-300 MiB/s), as the "
          + "nodes will, and report their read rate (default: none, blocks fetched lazily on first read).")
  Integer volumeInitializationRate;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: the result as one JSON document on stdout, progress on stderr.")
  OutputFormat output;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter log = output == OutputFormat.json ? err : out;
    String regionOrDefault = region != null ? region : BuildOptions.regionFromEnvironment();
    if (regionOrDefault == null) {
      return CliError.usage("missing --region", "no -r/--region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
          "pass e.g. -r us-west-2, or export AWS_REGION=us-west-2").report(err);
    }
    VerifyRequest request;
    try {
      request = new VerifyRequest(regionOrDefault, snapshotId, timeout, volumeInitializationRate).validated();
    } catch (InvalidRequestException e) {
      String flag = switch (e.field()) {
        case "snapshotId" -> "SNAPSHOT";
        case "region" -> "--region";
        case "volumeInitializationRateMiBps" -> "--volume-initialization-rate";
        default -> "--" + e.field();
      };
      return CliError.usage("invalid " + flag, e.problem(), null).report(err);
    }
    try (TemporalConnection connection = cli.connect()) {
      cli.onInterruptBeforeFollowing("while starting the verify on " + connection.server().address()
          + ": it may have started; precache verify " + snapshotId + " attaches to it");
      String workflowId = startOrAttach(connection, request, log);
      new WorkerPresence(connection, err).warnIfNone();
      VerifyResult result;
      try {
        result = follow(connection, workflowId, log, err);
      } catch (WorkflowFailedException e) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof ApplicationFailure) && cause.getCause() != null) {
          cause = cause.getCause();
        }
        String why = cause instanceof ApplicationFailure failure ? failure.getOriginalMessage()
            : BuildWatcher.causeOf(e);
        boolean badInput = cause instanceof ApplicationFailure failure
            && (BuildFailures.SNAPSHOT_NOT_FOUND.equals(failure.getType())
                || BuildFailures.INVALID_REQUEST.equals(failure.getType()));
        CliError error = badInput ? CliError.usage("cannot verify " + snapshotId, why, null)
            : CliError.failed("verify of " + snapshotId + " did not finish", why, "its probe stacks were torn down");
        return error.report(err);
      }
      if (result == null) {
        err.println("still running: precache verify " + snapshotId + " -r " + request.region()
            + (volumeInitializationRate == null ? "" : " --volume-initialization-rate " + volumeInitializationRate)
            + " attaches to it / "
            + "precache cancel " + workflowId);
        err.flush();
        return Interrupts.EXIT_CODE;
      }
      if (output == OutputFormat.json) {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
      } else {
        print(result, out);
      }
      out.flush();
      if (!result.passed()) {
        err.println("error: " + snapshotId + " failed verification (" + result.reason() + ")");
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
      }
      return CommandLine.ExitCode.OK;
    }
  }

  /**
   * {@code precache-verify-<snapshot>[-rate-<N>]}: the same snapshot verified again the same way while one runs
   * attaches to it.
   */
  private static String startOrAttach(TemporalConnection connection, VerifyRequest request, PrintWriter log) {
    WorkflowClient client = connection.client();
    String workflowId = VerifySnapshotWorkflow.workflowIdFor(request);
    VerifySnapshotWorkflow workflow = client.newWorkflowStub(VerifySnapshotWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setWorkflowId(workflowId)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowRunTimeout(request.timeout().plus(Duration.ofHours(1)))
        .setStaticSummary("precache verify " + request.snapshotId() + " in " + request.region())
        .build());
    try {
      WorkflowClient.start(workflow::verify, request);
      log.println("Started verify " + workflowId + " on " + connection.server());
    } catch (WorkflowExecutionAlreadyStarted e) {
      log.println("attaching to running verify " + workflowId + " on " + connection.server());
    } catch (RuntimeException e) {
      throw TemporalErrors.translate(e, connection.server(), null);
    }
    log.flush();
    return workflowId;
  }

  /** Prints each phase as it changes until the verify ends; null when Ctrl-C detached first. */
  private VerifyResult follow(TemporalConnection connection, String workflowId, PrintWriter log, PrintWriter err) {
    WorkflowStub stub = connection.client().newUntypedWorkflowStub(workflowId);
    String printed = null;
    while (true) {
      if (cli.interrupts().count() > 0) {
        return null;
      }
      WorkflowExecutionStatus status = BuildStatus.describe(connection, workflowId).getStatus();
      if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return stub.getResult(VerifyResult.class);
      }
      String phase = queryPhase(stub);
      if (phase != null && !Objects.equals(phase, printed)) {
        log.println("  " + phase);
        log.flush();
        printed = phase;
      }
      try {
        Thread.sleep(cli.pollInterval().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** The phase, or null while no worker has run the workflow yet (a query then fails). */
  private static String queryPhase(WorkflowStub stub) {
    try {
      return stub.query("phase", String.class);
    } catch (RuntimeException notYet) {
      return null;
    }
  }

  static void print(VerifyResult result, PrintWriter out) {
    TextTable table = new TextTable(List.of("IMAGE", "PLATFORM", "RECORDED", "FOUND", "STATUS", "PINNED", "OK"));
    for (VerifyResult.VerifiedImage image : result.images()) {
      table.add(List.of(image.image(), image.platform(), shortDigest(image.recordedDigest()),
          shortDigest(image.foundDigest()), image.status(), image.pinned() ? "yes" : "no", image.passed() ? "yes" : "NO"));
    }
    table.print(out);
    for (VerifyResult.Probe probe : result.probes()) {
      out.printf(Locale.ROOT, "  %s on %s (%s): checked in %.1f s%n", probe.platform(), probe.instanceType(),
          probe.instanceId(), probe.checkMillis() / 1000.0);
      if (probe.sampledBytes() > 0) {
        out.printf(Locale.ROOT, "    read %d MiB of the restored volume at %.1f MiB/s: its %s of images are fully "
                + "readable after about %s on a node restored as this probe was (%s; `precache plan` compares "
                + "--volume-initialization-rate and --fast-restore)%n",
            probe.sampledBytes() >> 20, probe.sampledMiBps(), VolumeSizing.human(probe.imageBytes()),
            RestoreTimeModel.human(Duration.ofMillis(probe.untilReadableMillis())),
            probe.initializationRateMiBps() == null ? "no initialization rate"
                : "initialization rate " + probe.initializationRateMiBps() + " MiB/s");
      }
    }
    out.println(result.passed()
        ? "Verified " + result.snapshotId() + " in " + result.region() + ": " + result.images().size()
            + " image(s) complete, at their recorded digests and pinned"
        : "FAILED " + result.snapshotId() + " in " + result.region() + ": " + result.reason());
  }

  private static String shortDigest(String digest) {
    return digest == null ? "-" : digest.length() > 19 ? digest.substring(0, 19) : digest;
  }
}

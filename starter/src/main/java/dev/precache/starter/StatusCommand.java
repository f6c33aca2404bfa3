package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code precache status ID}: where a build is now, once. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a build's state and progress.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "Workflow ID of the build.")
  String workflowId;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (TemporalConnection connection = cli.connect()) {
      WorkflowStub build = connection.client().newUntypedWorkflowStub(workflowId);
      WorkflowExecutionStatus status = build.describe().getStatus();
      out.println(workflowId + ": " + BuildListing.statusName(status));
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        BuildResult result = build.getResult(BuildResult.class);
        out.println("snapshot in " + result.region() + ": " + result.snapshotId()
            + (result.upToDate() ? " (up to date: nothing was launched)" : ""));
        printVolume(out, result.volumeSizeGiB(), result.volumeUsage());
        return CommandLine.ExitCode.OK;
      }
      try {
        printProgress(out, build.query("progress", BuildProgress.class));
      } catch (WorkflowException unanswered) {
        out.println("progress unavailable: no worker answered (" + unanswered.getMessage() + ")");
      }
      return CommandLine.ExitCode.OK;
    }
  }

  private static void printVolume(PrintWriter out, int sizeGiB, VolumeUsage usage) {
    out.println("volume: " + sizeGiB + " GiB" + (usage == null ? ""
        : String.format(Locale.ROOT, ", %s used after the pulls (%d bytes, %.0f%%)",
            VolumeSizing.human(usage.usedBytes()), usage.usedBytes(), usage.usedPercent())));
  }

  private static void printProgress(PrintWriter out, BuildProgress progress) {
    if (progress.step() == null) {
      out.println("not started yet");
    } else {
      out.println("[" + progress.step().number() + "/" + BuildStep.total() + "] " + progress.step().title());
    }
    if (progress.pulls() != null && !progress.pulls().isEmpty()) {
      long done = progress.pulls().stream().filter(pull -> pull.state() == ImagePull.State.DONE).count();
      out.println("pulls: " + done + " of " + progress.pulls().size() + " done");
    }
    if (progress.volumeSizeGiB() != null) {
      printVolume(out, progress.volumeSizeGiB(), progress.volumeUsage());
    }
    if (progress.snapshotId() != null) {
      out.println("snapshot: " + progress.snapshotId()
          + (progress.snapshotPercent() == null ? "" : " " + progress.snapshotPercent() + "%"));
    }
    if (progress.failure() != null) {
      out.println("failure: " + progress.failure());
    }
  }
}

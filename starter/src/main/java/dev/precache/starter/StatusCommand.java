package dev.precache.starter;

import dev.precache.workflows.BuildStep;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: the build as one JSON document (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (TemporalConnection connection = cli.connect()) {
      BuildReport report = BuildStatus.report(connection, workflowId);
      if (output == OutputFormat.json) {
        BuildReport.print(out, report);
      } else {
        print(out, report);
      }
      return CommandLine.ExitCode.OK;
    }
  }

  private static void printVolume(PrintWriter out, int sizeGiB, VolumeUsage usage) {
    out.println("volume: " + sizeGiB + " GiB" + (usage == null ? ""
        : String.format(Locale.ROOT, ", %s used after the pulls (%d bytes, %.0f%%)",
            VolumeSizing.human(usage.usedBytes()), usage.usedBytes(), usage.usedPercent())));
  }

  private static void print(PrintWriter out, BuildReport report) {
    out.println(report.workflowId() + ": " + report.state());
    if (report.result() != null) {
      out.println("snapshot in " + report.result().region() + ": " + report.result().snapshotId()
          + (report.result().upToDate() ? " (up to date: nothing was launched)" : ""));
      printVolume(out, report.result().volumeSizeGiB(), report.result().volumeUsage());
      if (report.incremental() != null) {
        out.println(report.incremental().summary());
      }
      out.flush();
      return;
    }
    if (report.step() == null) {
      out.println(report.state() == BuildState.RUNNING ? "not started yet (or no worker answered)" : "no step reached");
    } else {
      out.println(BuildWatcher.stepLabel(BuildStep.values()[report.step().number() - 1]));
    }
    if (!report.pulls().isEmpty()) {
      long done = report.pulls().stream().filter(pull -> pull.state() == ImagePull.State.DONE).count();
      out.println("pulls: " + done + " of " + report.pulls().size() + " done");
      for (BuildReport.Download download : report.downloads()) {
        out.println("  " + download.image() + " (" + download.platform() + "): "
            + PullFigures.text(download.downloadedBytes(), download.totalBytes(), download.bytesPerSecond()));
      }
    }
    if (report.volumeSizeGiB() != null) {
      printVolume(out, report.volumeSizeGiB(), report.volumeUsage());
    }
    if (report.incremental() != null) {
      out.println(report.incremental().preparedSummary());
    }
    for (BuildReport.Retry retry : report.retries()) {
      out.println("retrying " + retry.activity() + ": attempt " + retry.attempt()
          + (retry.maximumAttempts() == null ? "" : " of " + retry.maximumAttempts()) + ", last error: " + retry.lastError());
    }
    if (report.snapshotId() != null) {
      out.println("snapshot: " + report.snapshotId()
          + (report.snapshotPercent() == null ? "" : " " + report.snapshotPercent() + "%"));
    }
    if (report.error() != null) {
      out.println("error: " + report.error());
    }
    out.flush();
  }
}

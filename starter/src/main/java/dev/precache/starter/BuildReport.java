package dev.precache.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.RetentionReport;
import dev.precache.workflows.SnapshotCopy;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.IncrementalBuild;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeUsage;
import dev.precache.workflows.ImagePull;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;

/**
 * A build as {@code build -o json} and {@code status -o json} print it: one JSON object whose keys are always
 * present (null when unknown), documented in README.md. {@code state} uses the words of {@link BuildState}.
 */
record BuildReport(
    String workflowId,
    BuildState state,
    Step step,
    List<ImagePull> pulls,
    String snapshotId,
    Integer snapshotPercent,
    String error,
    List<Retry> retries,
    Integer volumeSizeGiB,
    VolumeUsage volumeUsage,
    Result result,
    VolumePerformance volumePerformance,
    String instanceWarning,
    IncrementalBuild incremental,
    List<Download> downloads) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The step the build is at (or ended at). */
  record Step(int number, int total, String title) {
    static Step of(BuildStep step) {
      return step == null ? null : new Step(step.number(), BuildStep.total(), step.title());
    }
  }

  /** A step retrying: which activity, on which attempt, and why the last one failed. */
  record Retry(String activity, int attempt, Integer maximumAttempts, String lastError) {}

  /**
   * A running pull as its activity last heartbeated it: compressed layer bytes on the instance of the pull's total,
   * the rate between the last two probes and the seconds left at that rate (both null until two probes answered).
   */
  record Download(String image, String platform, long downloadedBytes, long totalBytes, Long bytesPerSecond,
                  Long secondsLeft) {}

  /** With what the build's running activities add: the steps retrying, the pulls' downloads. */
  BuildReport withActivities(List<ActivityAttempt> activities) {
    return new BuildReport(workflowId, state, step, pulls, snapshotId, snapshotPercent, error,
        activities.stream().filter(ActivityAttempt::retrying)
            .map(a -> new Retry(a.type(), a.attempt(), a.maximumAttempts() > 0 ? a.maximumAttempts() : null,
                a.lastFailure())).toList(), volumeSizeGiB, volumeUsage, result, volumePerformance, instanceWarning,
        incremental, activities.stream().map(ActivityAttempt::pull).filter(pull -> pull != null)
            .map(pull -> new Download(pull.image(), pull.platform(), pull.downloadedBytes(), pull.totalBytes(),
                pull.bytesPerSecond(),
                PullFigures.secondsLeft(pull.downloadedBytes(), pull.totalBytes(), pull.bytesPerSecond()))).toList());
  }

  /** What a successful build made; {@code upToDate}: the newest snapshot already held it, nothing was launched. */
  record Result(String snapshotId, String region, int volumeSizeGiB, List<CachedImage> images,
                String publishedParameter, Long elapsedSeconds, boolean upToDate, VolumeUsage volumeUsage,
                VolumePerformance volumePerformance, String instanceWarning, IncrementalBuild incremental,
                RetentionOutcome retention, List<SnapshotCopy> copies) {
    static Result of(BuildResult result, Duration elapsed) {
      return new Result(result.snapshotId(), result.region(), result.volumeSizeGiB(), result.images(),
          result.publishedParameter(), elapsed == null ? null : elapsed.toSeconds(), result.upToDate(),
          result.volumeUsage(), result.volumePerformance(), result.instanceWarning(), result.incremental(),
          RetentionOutcome.of(result.retention()), result.copies() == null ? List.of() : result.copies());
    }
  }

  /** {@code --keep}'s outcome: the snapshots it deleted, how many of the name it kept, or why it did not complete. */
  record RetentionOutcome(int keep, List<String> deleted, int kept, String warning) {
    static RetentionOutcome of(RetentionReport report) {
      return report == null ? null : new RetentionOutcome(report.keep(),
          report.with(RetentionReport.Verdict.DELETED).stream().map(e -> e.snapshot().snapshotId()).toList(),
          report.with(RetentionReport.Verdict.KEEP).size(), report.warning());
    }
  }

  static BuildReport running(String workflowId) {
    return new BuildReport(workflowId, BuildState.RUNNING, null, List.of(), null, null, null, List.of(), null, null,
        null, null, null, null, List.of());
  }

  static BuildReport of(String workflowId, BuildState state, BuildProgress progress, String error, Result result) {
    if (progress == null) {
      return new BuildReport(workflowId, state, null, List.of(), result == null ? null : result.snapshotId(), null,
          error, List.of(), result == null ? null : result.volumeSizeGiB(), result == null ? null : result.volumeUsage(),
          result, result == null ? null : result.volumePerformance(), result == null ? null : result.instanceWarning(),
          result == null ? null : result.incremental(), List.of());
    }
    return new BuildReport(workflowId, state, Step.of(progress.step()),
        progress.pulls() == null ? List.of() : progress.pulls(),
        result != null ? result.snapshotId() : progress.snapshotId(),
        result != null ? Integer.valueOf(100) : progress.snapshotPercent(), error != null ? error : progress.failure(),
        List.of(), progress.volumeSizeGiB(), progress.volumeUsage(), result,
        result != null ? result.volumePerformance() : progress.volumePerformance(),
        result != null ? result.instanceWarning() : progress.instanceWarning(),
        result != null ? result.incremental() : progress.incremental(), List.of());
  }

  static void print(PrintWriter out, Object document) {
    try {
      out.println(JSON.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + document + " as JSON", e);
    }
    out.flush();
  }

  /**
   * Prints how following a build ended and returns the exit code: 0 with a snapshot (its ID alone on stdout with
   * {@code quiet}), 1 when the build ended without one (the error on stderr), 130 when Ctrl-C left it running.
   */
  static int conclude(BuildWatcher.Outcome outcome, String workflowId, boolean json, boolean quiet, PrintWriter out,
      PrintWriter err) {
    if (outcome instanceof BuildWatcher.Outcome.Succeeded succeeded) {
      Result result = Result.of(succeeded.result(), succeeded.elapsed());
      if (json) {
        print(out, of(workflowId, BuildState.SUCCEEDED, null, null, result));
      } else if (quiet) {
        out.println(result.snapshotId());
        out.flush();
      }
      return CommandLine.ExitCode.OK;
    }
    if (outcome instanceof BuildWatcher.Outcome.Ended ended) {
      int exit = ended.error().report(err);
      if (json) {
        print(out, of(workflowId, ended.state(), ended.progress(), ended.error().getMessage(), null));
      }
      return exit;
    }
    if (json) {
      print(out, running(workflowId));
    }
    return Interrupts.EXIT_CODE;
  }
}

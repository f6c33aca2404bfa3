package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import picocli.CommandLine;

/** Follows one build to its end: queries its progress about every poll interval and prints what changed. */
final class BuildWatcher {
  private final WorkflowStub build;
  private final ProgressPrinter printer;
  private final Duration pollInterval;
  private BuildProgress lastProgress;

  BuildWatcher(WorkflowStub build, ProgressPrinter printer, Duration pollInterval) {
    this.build = build;
    this.printer = printer;
    this.pollInterval = pollInterval;
  }

  /**
   * Returns the exit code: 0 with a snapshot (handed to {@code onSuccess}), 1 when the build failed, was
   * cancelled or timed out (the step and the cause printed to {@code err}).
   */
  int follow(PrintWriter err, Consumer<BuildResult> onSuccess) {
    while (true) {
      refreshProgress();
      printer.show(lastProgress);
      try {
        // Long-polls for the result, so a finished build is noticed at once rather than at the next poll.
        BuildResult result = build.getResult(pollInterval.toMillis(), TimeUnit.MILLISECONDS, BuildResult.class);
        printer.finished(result);
        onSuccess.accept(result);
        return CommandLine.ExitCode.OK;
      } catch (TimeoutException stillRunning) {
        // next poll
      } catch (WorkflowFailedException e) {
        refreshProgress();
        printer.show(lastProgress);
        err.println(failureMessage(e));
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
      }
    }
  }

  /** Keeps the last answer when the query cannot be answered now (no worker polling, first task pending). */
  private void refreshProgress() {
    try {
      lastProgress = build.query("progress", BuildProgress.class);
    } catch (WorkflowException unanswered) {
      // keep the last known progress
    }
  }

  private String failureMessage(WorkflowFailedException e) {
    String cause = lastProgress != null && lastProgress.failure() != null ? lastProgress.failure() : causeOf(e);
    BuildStep step = lastProgress == null ? null : lastProgress.step();
    if (step == null) {
      return "Build failed before its first step: " + cause;
    }
    return "Build failed at step " + step.number() + "/" + BuildStep.total() + " (" + step.title() + "): " + cause;
  }

  static String causeOf(WorkflowFailedException e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure failure) {
      return failure.getOriginalMessage();
    }
    if (cause instanceof CanceledFailure) {
      return "cancelled";
    }
    if (cause instanceof TimeoutFailure) {
      return "timed out";
    }
    if (cause instanceof TerminatedFailure) {
      return "terminated";
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }
}

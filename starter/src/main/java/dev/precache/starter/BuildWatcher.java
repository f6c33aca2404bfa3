package dev.precache.starter;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows one build to its end: about every poll interval asks the build for its progress and the server for its
 * running activities (attempts, last errors, the snapshot's heartbeated percent), and shows them. Ctrl-C detaches
 * (the build goes on), or with {@code cancelOnInterrupt} cancels and waits for the teardown.
 */
final class BuildWatcher {
  private static final Pattern STEP_FAILED = Pattern.compile("^step \\d+/\\d+ \\(.*?\\) failed: ", Pattern.DOTALL);
  private static final Pattern TIMED_OUT_AFTER = Pattern.compile("^timed out after (\\S+) during");
  /**
   * What a server answers for a while and then stops answering: a busy workflow's result long-poll
   * (RESOURCE_EXHAUSTED), a restart or a lost connection (UNAVAILABLE, DEADLINE_EXCEEDED).
   */
  private static final Set<Status.Code> PASSING = Set.of(Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED);
  /** How long following rides out such answers before it gives up on the server (the build goes on). */
  static final Duration OUTAGE_LIMIT = Duration.ofMinutes(2);

  private final TemporalConnection connection;
  private final String workflowId;
  private final WorkflowStub build;
  private final ProgressView view;
  private final Duration pollInterval;
  private final Interrupts interrupts;
  private final boolean cancelOnInterrupt;
  private final PrintWriter err;
  private final WorkerPresence workers;
  private BuildProgress lastProgress;
  private int interruptsHandled;
  /** When the server began answering with {@link #PASSING} errors; null while it answers. */
  private Instant outageSince;

  BuildWatcher(TemporalConnection connection, String workflowId, ProgressView view, Duration pollInterval,
      Interrupts interrupts, boolean cancelOnInterrupt, PrintWriter err) {
    this.connection = connection;
    this.workflowId = workflowId;
    this.build = connection.client().newUntypedWorkflowStub(workflowId);
    this.view = view;
    this.pollInterval = pollInterval;
    this.interrupts = interrupts;
    this.cancelOnInterrupt = cancelOnInterrupt;
    this.err = err;
    this.workers = new WorkerPresence(connection, err);
  }

  /** How following ended. */
  sealed interface Outcome {
    /** The build made its snapshot. */
    record Succeeded(BuildResult result, Duration elapsed) implements Outcome {}

    /** The build ended without a snapshot; {@code error} says where and why. */
    record Ended(BuildState state, CliError error, BuildProgress progress) implements Outcome {}

    /** Ctrl-C: the build goes on without us. */
    record Detached() implements Outcome {}
  }

  Outcome follow() {
    workers.warnIfNone();
    while (true) {
      if (interrupts.count() > interruptsHandled) {
        Outcome detached = onInterrupt();
        if (detached != null) {
          return detached;
        }
      }
      try {
        List<ActivityAttempt> activities = refresh();
        view.show(lastProgress, activities);
        // Long-polls for the result, so a finished build is noticed at once rather than at the next poll.
        BuildResult result = build.getResult(pollInterval.toMillis(), TimeUnit.MILLISECONDS, BuildResult.class);
        Duration elapsed = elapsed();
        view.finished(result, elapsed);
        return new Outcome.Succeeded(result, elapsed);
      } catch (TimeoutException stillRunning) {
        answered();
      } catch (WorkflowFailedException e) {
        refresh();
        view.show(lastProgress, List.of());
        return ended(e, lastProgress);
      } catch (WorkflowException | StatusRuntimeException e) {
        rideOut(e);
      }
    }
  }

  /**
   * A passing error: says once that following waits for the server, and pauses a poll; anything else, or an
   * outage longer than {@link #OUTAGE_LIMIT}, ends following with the error explained.
   */
  private void rideOut(RuntimeException e) {
    StatusRuntimeException status = TemporalErrors.statusOf(e);
    Instant now = Instant.now();
    if (status == null || !PASSING.contains(status.getStatus().getCode())
        || (outageSince != null && Duration.between(outageSince, now).compareTo(OUTAGE_LIMIT) > 0)) {
      throw TemporalErrors.translate(e, connection.server(), workflowId);
    }
    if (outageSince == null) {
      outageSince = now;
      err.println("note: the Temporal server at " + connection.server().address() + " answered "
          + status.getStatus().getCode() + " (" + TemporalErrors.reason(status) + "); still following " + workflowId + " (for up to "
          + OUTAGE_LIMIT.toMinutes() + " minutes; the build goes on either way)");
      err.flush();
    }
    try {
      Thread.sleep(pollInterval.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw TemporalErrors.translate(e, connection.server(), workflowId);
    }
  }

  /** The server answers (again). */
  private void answered() {
    if (outageSince != null) {
      err.println("note: the Temporal server answers again");
      err.flush();
      outageSince = null;
    }
  }

  /** Returns null to keep following (a cancel was requested and its teardown is awaited). */
  private Outcome onInterrupt() {
    interruptsHandled = interrupts.count();
    if (cancelOnInterrupt && interruptsHandled == 1) {
      build.cancel();
      err.println("cancelling " + workflowId + "; waiting for its teardown (Ctrl-C again to stop waiting: the "
          + "teardown goes on)");
      err.flush();
      return null;
    }
    err.println();
    err.println("still running: precache watch " + workflowId + " / precache cancel " + workflowId);
    err.flush();
    return new Outcome.Detached();
  }

  /** The build's progress (the last known when no worker answers) and its running activities. */
  private List<ActivityAttempt> refresh() {
    DescribeWorkflowExecutionResponse description = build.describe().getRawDescription();
    if (workers.present()) {
      try {
        lastProgress = build.query("progress", BuildProgress.class);
      } catch (WorkflowException unanswered) {
        // keep the last known progress
      }
    }
    return description.getPendingActivitiesList().stream()
        .map(info -> ActivityAttempt.of(info, connection.client().getOptions().getDataConverter()))
        .toList();
  }

  private Duration elapsed() {
    try {
      var metadata = build.describe();
      Instant end = metadata.getCloseTime() != null ? metadata.getCloseTime() : Instant.now();
      return Duration.between(metadata.getStartTime(), end);
    } catch (WorkflowException e) {
      return null;
    }
  }

  /** How the build ended, in the CLI's words: {@code build failed at [4/8] Pulling images (cause)}. */
  static Outcome.Ended ended(WorkflowFailedException e, BuildProgress progress) {
    Throwable cause = e.getCause();
    String failure = progress != null && progress.failure() != null ? progress.failure() : causeOf(e);
    String at = progress == null || progress.step() == null ? "before its first step" : "at " + stepLabel(progress.step());
    if (cause instanceof CanceledFailure) {
      // A cancel that came once the snapshot was published undid nothing: the workflow says so, and keeps it.
      boolean snapshotKept = progress != null && progress.snapshotId() != null && progress.failure() != null;
      return new Outcome.Ended(BuildState.CANCELLED, CliError.failed("build cancelled " + at,
          snapshotKept ? progress.failure() + "; teardown done" : "teardown done", null), progress);
    }
    if (cause instanceof ApplicationFailure application && BuildFailures.BUILD_TIMED_OUT.equals(application.getType())) {
      Matcher deadline = TIMED_OUT_AFTER.matcher(failure);
      return new Outcome.Ended(BuildState.TIMED_OUT, CliError.failed("build timed out " + at,
          (deadline.find() ? "its deadline of " + deadline.group(1) + " passed" : failure) + "; teardown done",
          "give it longer with --timeout"), progress);
    }
    if (cause instanceof TimeoutFailure) {
      return new Outcome.Ended(BuildState.TIMED_OUT, CliError.failed("build timed out " + at,
          "its workflow run timeout passed before the teardown ended", leftoverHint(progress)), progress);
    }
    if (cause instanceof TerminatedFailure) {
      return new Outcome.Ended(BuildState.TERMINATED, CliError.failed("build terminated " + at,
          "stopped from outside; its teardown did not run", leftoverHint(progress)), progress);
    }
    return new Outcome.Ended(BuildState.FAILED,
        CliError.failed("build failed " + at, STEP_FAILED.matcher(failure).replaceFirst(""), null), progress);
  }

  static String stepLabel(BuildStep step) {
    return "[" + step.number() + "/" + BuildStep.total() + "] " + step.title();
  }

  private static String leftoverHint(BuildProgress progress) {
    return progress == null || progress.stackName() == null ? null
        : "check for a leftover CloudFormation stack " + progress.stackName() + " and delete it";
  }

  static String causeOf(WorkflowFailedException e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure failure) {
      return failure.getOriginalMessage();
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }
}

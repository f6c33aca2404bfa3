package dev.precache.workflows;

import static dev.precache.workflows.BuildSearchAttributes.STATUS;

import dev.precache.workflows.BuildMetrics.Outcome;
import dev.precache.workflows.BuildSearchAttributes.Status;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;

/** How a build that did not succeed ends: its status, its metric and the failure it is recorded with, said once. */
final class BuildOutcome {

  private static final Logger log = Workflow.getLogger(BuildOutcome.class);

  /** @param message what {@code progress()} and {@code status} show */
  record Concluded(String message, TemporalFailure failure) {}

  private BuildOutcome() {}

  /** What the workflow ends with, once teardown has run; also records the final status. */
  static Concluded concluded(TemporalFailure stepFailure, BuildStep step, Duration timeout, boolean deadlinePassed,
      BuildMetrics metrics) {
    String during = "step " + step.number() + "/" + BuildStep.total() + " (" + step.title() + ")";
    if (deadlinePassed) {
      String failure = "timed out after " + human(timeout) + " during " + during;
      setStatus(Status.TIMED_OUT);
      metrics.finished(Outcome.TIMED_OUT, BuildFailures.BUILD_TIMED_OUT);
      return new Concluded(failure,
          ApplicationFailure.newNonRetryableFailureWithCause(failure, BuildFailures.BUILD_TIMED_OUT, stepFailure));
    }
    if (CancellationScope.current().isCancelRequested()) {
      String failure = "cancelled during " + during;
      setStatus(Status.CANCELLED);
      metrics.finished(Outcome.CANCELLED, BuildMetrics.NO_FAILURE);
      return new Concluded(failure, new CanceledFailure(failure));
    }
    Throwable cause = causeOf(stepFailure);
    String failure = during + " failed: " + describe(cause);
    setStatus(Status.FAILED);
    metrics.finished(Outcome.FAILED, typeOf(cause));
    log.info("build failed: {}", failure);
    return new Concluded(failure, ApplicationFailure.newNonRetryableFailureWithCause(failure, typeOf(cause), stepFailure));
  }

  static Throwable causeOf(TemporalFailure failure) {
    return failure instanceof ActivityFailure && failure.getCause() != null ? failure.getCause() : failure;
  }

  static String describe(Throwable cause) {
    if (cause instanceof TimeoutFailure timeout) {
      return "activity timed out (" + timeout.getTimeoutType() + ")";
    }
    return cause instanceof TemporalFailure temporal ? temporal.getOriginalMessage() : String.valueOf(cause.getMessage());
  }

  private static String typeOf(Throwable cause) {
    return cause instanceof ApplicationFailure application ? application.getType() : cause.getClass().getSimpleName();
  }

  /** {@code PT1H30M} → {@code 1h30m}. */
  static String human(Duration duration) {
    return duration.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  static void setStatus(Status status) {
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet(status.name()));
  }
}

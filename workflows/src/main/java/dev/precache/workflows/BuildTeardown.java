package dev.precache.workflows;

import static dev.precache.workflows.BuildActivityStubs.instance;
import static dev.precache.workflows.BuildActivityStubs.stack;

import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The build instance's teardown: its stack and parked registry credentials deleted, once per build however many
 * ways out ask for it, in a detached scope so that neither a cancellation nor the deadline stops it half way.
 * Known before the stack is asked for ({@link #stackRequested}), so every way out of the steps runs it.
 */
final class BuildTeardown {

  private static final Logger log = Workflow.getLogger(BuildTeardown.class);
  /** Teardown waits out deploy attempts that may still create the stack: see {@link #fenceOffLateStackCreation}. */
  private static final String STACK_CREATION_FENCE_CHANGE = "stack-creation-fence";

  private final String stackName;
  private final BuildMetrics metrics;
  private boolean stackRequested;
  /** When the deploy step ended without a stack (failed, cancelled, timed out); null while it has not. */
  private Long deployEndedWithoutStackAt;
  /** The teardown, once started. */
  private Promise<Void> tearingDown;

  BuildTeardown(String stackName, BuildMetrics metrics) {
    this.stackName = stackName;
    this.metrics = metrics;
  }

  /** From here on there may be a stack to delete. */
  void stackRequested() {
    stackRequested = true;
  }

  /** The deploy step ended without its stack: an attempt may still create it ({@link #fenceOffLateStackCreation}). */
  void deployEndedWithoutStack() {
    deployEndedWithoutStackAt = Workflow.currentTimeMillis();
  }

  /** Tears down ({@link #start}) and waits until that is done; the first failure of a part is thrown. */
  void run(String region, BuildIdentity identity) {
    start(region, identity).get();
  }

  /**
   * Starts deleting the stack and parked registry credentials, once per build. Every part is attempted; the
   * returned promise fails with the first failure after.
   */
  Promise<Void> start(String region, BuildIdentity identity) {
    if (tearingDown != null) {
      return tearingDown;
    }
    if (!stackRequested) {
      CompletablePromise<Void> nothingToDo = Workflow.newPromise();
      nothingToDo.complete(null);
      return nothingToDo;
    }
    Workflow.newDetachedCancellationScope(() -> tearingDown = Async.procedure(() -> {
      BuildLogContext.step(BuildLogContext.TEARDOWN);
      List<TemporalFailure> failures = new ArrayList<>();
      attempt(failures, () -> stack(BuildTimeouts.TEARDOWN, "delete stack " + stackName).deleteStack(region, stackName));
      fenceOffLateStackCreation(region, failures);
      attempt(failures, () -> instance(BuildTimeouts.TEARDOWN, "delete parked registry credentials")
          .deleteRegistryCredentials(region, identity));
      if (!failures.isEmpty()) {
        throw failures.get(0);
      }
    })).run();
    return tearingDown;
  }

  /**
   * A deploy step that ended without its stack may leave an attempt running that still calls CreateStack: a cancel
   * does not wait for it, and the worker of an attempt that timed out may still be at it. No attempt calls it
   * later than {@link BuildTimeouts#STACK_CREATION_FENCE} after the step ended, so once that has passed the stack
   * is deleted again, in case such an attempt created it after the first deletion.
   */
  private void fenceOffLateStackCreation(String region, List<TemporalFailure> failures) {
    if (deployEndedWithoutStackAt == null
        || Workflow.getVersion(STACK_CREATION_FENCE_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    long fenceEndsAt = deployEndedWithoutStackAt + BuildTimeouts.STACK_CREATION_FENCE.toMillis();
    long remaining = fenceEndsAt - Workflow.currentTimeMillis();
    if (remaining > 0) {
      Workflow.newTimer(Duration.ofMillis(remaining),
          TimerOptions.newBuilder().setSummary("until no deploy attempt can create the stack").build()).get();
    }
    attempt(failures, () -> stack(BuildTimeouts.TEARDOWN, "delete stack " + stackName + " if a late attempt made it")
        .deleteStack(region, stackName));
  }

  /** One part of a teardown: its failure is logged and collected, and must not stop the other parts. */
  void attempt(List<TemporalFailure> failures, Functions.Proc part) {
    try {
      part.apply();
    } catch (TemporalFailure partFailure) {
      log.error("teardown: {}", BuildOutcome.describe(BuildOutcome.causeOf(partFailure)));
      metrics.teardownFailed();
      failures.add(partFailure);
    }
  }
}

package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;

/** Where one build is now, as {@code status} and {@code cancel} see it. */
final class BuildStatus {
  private BuildStatus() {}

  /** @throws CliError when no build has this ID (or the server refuses) */
  static WorkflowExecutionDescription describe(TemporalConnection connection, String workflowId) {
    try {
      return connection.client().newUntypedWorkflowStub(workflowId).describe();
    } catch (WorkflowException | StatusRuntimeException e) {
      throw TemporalErrors.translate(e, connection.server(), workflowId);
    }
  }

  static BuildState state(WorkflowExecutionDescription description) {
    return BuildState.of(description.getStatus(), description.getTypedSearchAttributes().get(BuildSearchAttributes.STATUS));
  }

  /**
   * The build's report: its progress (null when no worker answers), its result once it succeeded, the error
   * once it ended without one.
   */
  static BuildReport report(TemporalConnection connection, String workflowId) {
    WorkflowExecutionDescription description = describe(connection, workflowId);
    BuildState state = state(description);
    WorkflowStub build = connection.client().newUntypedWorkflowStub(workflowId);
    BuildProgress progress = null;
    if (new WorkerPresence(connection, null).present()) {
      try {
        progress = build.query("progress", BuildProgress.class);
      } catch (WorkflowException unanswered) {
        // no worker answered; the state stands alone
      }
    }
    if (state == BuildState.SUCCEEDED) {
      Duration elapsed = description.getCloseTime() == null ? null
          : Duration.between(description.getStartTime(), description.getCloseTime());
      return BuildReport.of(workflowId, state, progress, null,
          BuildReport.Result.of(build.getResult(BuildResult.class), elapsed));
    }
    if (state == BuildState.RUNNING) {
      List<ActivityAttempt> activities = description.getRawDescription().getPendingActivitiesList().stream()
          .map(info -> ActivityAttempt.of(info, connection.client().getOptions().getDataConverter()))
          .toList();
      return BuildReport.of(workflowId, state, progress, null, null).withActivities(activities);
    }
    try {
      build.getResult(BuildResult.class);
      return BuildReport.of(workflowId, state, progress, null, null);
    } catch (WorkflowFailedException e) {
      return BuildReport.of(workflowId, state, progress, BuildWatcher.ended(e, progress).error().getMessage(), null);
    }
  }
}

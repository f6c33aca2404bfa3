package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What the server knows of a build's running activities: the point at which a crash test pulls the plug. */
final class PendingActivities {
  private PendingActivities() {}

  /**
   * Waits until the server has recorded a heartbeat of an activity of {@code activityType}: from then on a
   * retry of it resumes from the details (for a pull, the command ID) instead of starting over.
   */
  static void awaitHeartbeat(WorkflowClient client, String workflowId, String activityType, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    List<PendingActivityInfo> pending = pending(client, workflowId);
    while (!heartbeated(pending, activityType) && Instant.now().isBefore(deadline)) {
      Thread.sleep(50);
      pending = pending(client, workflowId);
    }
    assertThat(heartbeated(pending, activityType)).as("%s heartbeated; pending: %s", activityType, pending).isTrue();
  }

  /**
   * Waits until an activity of one of {@code activityTypes} is running on a worker (with {@code heartbeated}, until
   * the server has recorded its heartbeat too) and returns it as the server saw it.
   */
  static PendingActivityInfo awaitStarted(WorkflowClient client, String workflowId, Set<String> activityTypes,
      boolean heartbeated, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      DescribeWorkflowExecutionResponse described = describe(client, workflowId);
      List<PendingActivityInfo> pending = described.getPendingActivitiesList();
      Optional<PendingActivityInfo> running = pending.stream()
          .filter(activity -> activityTypes.contains(activity.getActivityType().getName()))
          .filter(activity -> activity.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
          .filter(activity -> !heartbeated || activity.hasHeartbeatDetails())
          .findFirst();
      if (running.isPresent()) {
        return running.get();
      }
      assertThat(described.getWorkflowExecutionInfo().getStatus()).as("%s while waiting for %s to run",
          workflowId, activityTypes).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      assertThat(Instant.now()).as("%s running%s; pending: %s", activityTypes, heartbeated ? " and heartbeated" : "",
          pending).isBefore(deadline);
      Thread.sleep(20);
    }
  }

  /**
   * Waits until the server has timed out {@code attempt}'s heartbeat on its own clock and scheduled the activity
   * again: it is pending with a higher attempt number.
   */
  static PendingActivityInfo awaitRetried(WorkflowClient client, String workflowId, PendingActivityInfo attempt,
      Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      List<PendingActivityInfo> pending = pending(client, workflowId);
      Optional<PendingActivityInfo> retried = pending.stream()
          .filter(activity -> activity.getActivityId().equals(attempt.getActivityId()))
          .filter(activity -> activity.getAttempt() > attempt.getAttempt())
          .findFirst();
      if (retried.isPresent()) {
        return retried.get();
      }
      assertThat(Instant.now()).as("%s (activity %s) retried after attempt %d; pending: %s",
          attempt.getActivityType().getName(), attempt.getActivityId(), attempt.getAttempt(), pending).isBefore(deadline);
      Thread.sleep(200);
    }
  }

  /** Each pending activity as type, attempt and last failure: why a build has not finished, for a failure message. */
  static String summary(WorkflowClient client, String workflowId) {
    return pending(client, workflowId).stream()
        .map(activity -> activity.getActivityType().getName() + " attempt " + activity.getAttempt()
            + (activity.hasLastFailure() ? " (" + activity.getLastFailure().getMessage() + ")" : ""))
        .toList().toString();
  }

  private static boolean heartbeated(List<PendingActivityInfo> pending, String activityType) {
    return pending.stream().anyMatch(activity ->
        activity.getActivityType().getName().equals(activityType) && activity.hasHeartbeatDetails());
  }

  private static List<PendingActivityInfo> pending(WorkflowClient client, String workflowId) {
    return describe(client, workflowId).getPendingActivitiesList();
  }

  private static DescribeWorkflowExecutionResponse describe(WorkflowClient client, String workflowId) {
    return client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
  }
}

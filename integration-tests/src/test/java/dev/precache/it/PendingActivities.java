package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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

  private static boolean heartbeated(List<PendingActivityInfo> pending, String activityType) {
    return pending.stream().anyMatch(activity ->
        activity.getActivityType().getName().equals(activityType) && activity.hasHeartbeatDetails());
  }

  private static List<PendingActivityInfo> pending(WorkflowClient client, String workflowId) {
    return client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
        .getPendingActivitiesList();
  }
}

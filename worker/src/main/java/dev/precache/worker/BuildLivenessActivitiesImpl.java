package dev.precache.worker;

import dev.precache.workflows.BuildLivenessActivities;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;

/** Asks the worker's own Temporal server (DescribeWorkflowExecution) which builds are running. */
final class BuildLivenessActivitiesImpl implements BuildLivenessActivities {

  private final WorkflowClient client;

  BuildLivenessActivitiesImpl(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public List<String> runningWorkflows(List<String> workflowIds) {
    List<String> running = new ArrayList<>();
    for (String workflowId : workflowIds) {
      try {
        WorkflowExecutionStatus status = client.getWorkflowServiceStubs().blockingStub()
            .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
            .getWorkflowExecutionInfo().getStatus();
        if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          running.add(workflowId);
        }
      } catch (StatusRuntimeException e) {
        // Unknown to this server: its server is gone (the in-memory --dev one) or its namespace was deleted.
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }
    return running;
  }
}

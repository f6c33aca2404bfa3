package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.Optional;

/** The request a running build was started with: the input of its history's first event. */
final class RunningRequest {
  private RunningRequest() {}

  /** The running build's request, normalised; null when its history cannot be read (it is only for a note). */
  static BuildRequest of(WorkflowClient client, String workflowId) {
    try {
      List<HistoryEvent> events = client.getWorkflowServiceStubs().blockingStub()
          .getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
              .setMaximumPageSize(1)
              .build())
          .getHistory().getEventsList();
      if (events.isEmpty() || !events.get(0).hasWorkflowExecutionStartedEventAttributes()) {
        return null;
      }
      Payloads input = events.get(0).getWorkflowExecutionStartedEventAttributes().getInput();
      BuildRequest request = client.getOptions().getDataConverter()
          .fromPayloads(0, Optional.of(input), BuildRequest.class, BuildRequest.class);
      return BuildRequestValidator.normalizeToStart(request);
    } catch (RuntimeException e) {
      return null;
    }
  }
}

package dev.precache.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;

/** One sweep of the regions asked for. */
public class JanitorWorkflowImpl implements JanitorWorkflow {

  @Override
  public JanitorReport sweep(JanitorRequest request) {
    if (request.regions() == null || request.regions().isEmpty()
        || !request.regions().stream().allMatch(BuildRequestValidator::isRegion)) {
      throw ApplicationFailure.newNonRetryableFailure("invalid --region: " + request.regions(),
          BuildFailures.INVALID_REQUEST);
    }
    if (request.olderThan() == null || request.olderThan().isNegative()) {
      throw ApplicationFailure.newNonRetryableFailure("invalid --older-than: " + request.olderThan(),
          BuildFailures.INVALID_REQUEST);
    }
    return Janitor.apply(request,
        Workflow.newActivityStub(JanitorActivities.class, BuildTimeouts.JANITOR),
        Workflow.newActivityStub(BuildLivenessActivities.class, BuildTimeouts.RETENTION),
        Instant.ofEpochMilli(Workflow.currentTimeMillis()));
  }
}

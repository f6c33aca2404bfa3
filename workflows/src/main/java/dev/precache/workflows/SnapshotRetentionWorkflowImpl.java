package dev.precache.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/** Lists, and with {@code keep} prunes, one region's precache snapshots. */
public class SnapshotRetentionWorkflowImpl implements SnapshotRetentionWorkflow {

  @Override
  public RetentionReport apply(RetentionRequest request) {
    String problem = request.region() == null || request.region().isBlank() ? "missing --region"
        : RetentionRequest.keepProblem(request.keep());
    if (problem != null) {
      throw ApplicationFailure.newNonRetryableFailure(problem, BuildFailures.INVALID_REQUEST);
    }
    return Retention.apply(request, Workflow.newActivityStub(RetentionActivities.class, BuildTimeouts.RETENTION));
  }
}

package dev.precache.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Restores a snapshot onto a short-lived probe instance per architecture it records and checks that every
 * recorded image × platform is there, complete, at the recorded digest and pinned ({@code precache verify}).
 * The probes' stacks are torn down however it ends. Started with ID {@link #workflowIdFor}.
 */
@WorkflowInterface
public interface VerifySnapshotWorkflow {

  @WorkflowMethod
  VerifyResult verify(VerifyRequest request);

  /** What it is doing now, e.g. {@code probe linux/amd64: waiting for SSM on i-…}; null before it starts. */
  @QueryMethod
  String phase();

  /** {@code precache-verify-<snapshot ID>}: verifying the same snapshot again while it runs attaches to it. */
  static String workflowIdFor(VerifyRequest request) {
    return "precache-verify-" + request.snapshotId()
        + (request.volumeInitializationRateMiBps() == null ? "" : "-rate-" + request.volumeInitializationRateMiBps());
  }
}

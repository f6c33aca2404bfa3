package dev.precache.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * {@code precache snapshots list} and {@code snapshots prune}: a workflow on the worker, as {@link PlanWorkflow}
 * is, because the CLI has no AWS credentials.
 */
@WorkflowInterface
public interface SnapshotRetentionWorkflow {

  @WorkflowMethod
  RetentionReport apply(RetentionRequest request);
}

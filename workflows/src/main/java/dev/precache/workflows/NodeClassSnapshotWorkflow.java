package dev.precache.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * After {@code nodeclass --apply} or {@code build --nodeclass}: tags the applied snapshot with the class and takes
 * the class off the snapshot it named before, so retention keeps what a class uses and no longer keeps what it
 * dropped. On the worker, as {@link SnapshotRetentionWorkflow} is, because the CLI has no AWS credentials.
 */
@WorkflowInterface
public interface NodeClassSnapshotWorkflow {

  @WorkflowMethod
  NodeClassMarking mark(NodeClassMarkRequest request);
}

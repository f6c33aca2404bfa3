package dev.precache.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Builds one EBS snapshot of a Bottlerocket data volume with the requested images already pulled. */
@WorkflowInterface
public interface SnapshotBuildWorkflow {

  /** The one task queue every precache worker polls and every build is started on. */
  String TASK_QUEUE = "precache";

  @WorkflowMethod
  BuildResult build(BuildRequest request);

  @QueryMethod
  BuildProgress progress();
}

package dev.precache.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** {@code precache janitor}: removes what builds that no longer run left in AWS; also run by a Temporal Schedule. */
@WorkflowInterface
public interface JanitorWorkflow {

  @WorkflowMethod
  JanitorReport sweep(JanitorRequest request);
}

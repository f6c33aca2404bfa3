package dev.precache.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * {@code precache plan}: resolves a request's images and looks up its newest snapshot, launching nothing. A
 * workflow rather than a query of a build because the CLI has no AWS or registry credentials: the worker
 * resolves, and the plan is a short history anyone can look at.
 */
@WorkflowInterface
public interface PlanWorkflow {

  @WorkflowMethod
  BuildPlan plan(BuildRequest request);
}

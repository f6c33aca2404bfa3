package dev.precache.workflows;

import dev.precache.workflows.BuilderActivities.BuilderStack;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * {@code precache setup}: makes (or deletes) a region's builder stack through the worker, which alone has AWS
 * credentials. One workflow ID per region and action, so two setups of a region attach to one run.
 */
@WorkflowInterface
public interface BuilderSetupWorkflow {

  @WorkflowMethod
  BuilderStack setup(String region, boolean delete);

  static String workflowId(String region, boolean delete) {
    return (delete ? "precache-setup-delete-" : "precache-setup-") + region;
  }
}

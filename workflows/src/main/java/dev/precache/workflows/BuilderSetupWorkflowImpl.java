package dev.precache.workflows;

import dev.precache.workflows.BuilderActivities.BuilderStack;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;

/** One activity: ensure or delete the region's builder stack, with the deploy step's timeouts. */
public class BuilderSetupWorkflowImpl implements BuilderSetupWorkflow {

  @Override
  public BuilderStack setup(String region, boolean delete) {
    BuilderActivities builder = Workflow.newActivityStub(BuilderActivities.class,
        ActivityOptions.newBuilder(BuildTimeouts.DEPLOY_STACK)
            .setSummary((delete ? "delete " : "ensure ") + BuilderActivities.STACK_NAME + " in " + region)
            .build());
    return delete ? builder.deleteBuilderStack(region) : builder.ensureBuilderStack(region);
  }
}

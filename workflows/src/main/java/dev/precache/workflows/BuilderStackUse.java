package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;

/**
 * Whether a build launches with the region's builder stack's instance profile, and which: every build without
 * {@code --instance-role} since {@link SnapshotBuildWorkflowImpl#BUILDER_STACK}. With a role of its own, the build
 * stack makes an instance profile for it, as before: the builder stack holds precache's role only.
 */
final class BuilderStackUse {

  private BuilderStackUse() {}

  /** The instance profile to launch with, ensuring the builder stack first; null for the build stack to make one. */
  static String instanceProfile(BuildRequest request) {
    boolean builderStack = Workflow.getVersion(SnapshotBuildWorkflowImpl.BUILDER_STACK, Workflow.DEFAULT_VERSION, 1)
        >= 1;
    if (!builderStack || ownsRole(request)) {
      return null;
    }
    BuilderActivities builder = Workflow.newActivityStub(BuilderActivities.class,
        ActivityOptions.newBuilder(BuildTimeouts.DEPLOY_STACK)
            .setSummary("ensure " + BuilderActivities.STACK_NAME + " in " + request.region())
            .build());
    return builder.ensureBuilderStack(request.region()).instanceProfileName();
  }

  /** {@code -R}: the build brings its own role, so its stack makes the instance profile (the slow way). */
  static boolean ownsRole(BuildRequest request) {
    return request.instanceRole() != null && !request.instanceRole().isBlank();
  }
}

package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;

/** CloudFormation: the stack that holds the build instance, its role and launch template. */
@ActivityInterface
public interface StackActivities {

  /**
   * Creates the stack (idempotent through the spec's client request token) and waits, heartbeating, until it
   * is complete. A rollback fails non-retryably with the first failed resource's reason.
   */
  StackOutputs deployStack(StackSpec spec);

  /** Deletes the stack and waits until it is gone; a stack that does not exist counts as deleted. */
  void deleteStack(String region, String stackName);

  /** What {@link #deployStack} needs: the build's identity and its validated request. */
  record StackSpec(BuildIdentity identity, BuildRequest request) {}

  /** What the stack made. */
  record StackOutputs(String stackId, String instanceId) {}
}

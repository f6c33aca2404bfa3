package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;

/**
 * CloudFormation: the builder stack of a region, which holds the IAM role and instance profile every build
 * instance runs with (the slow part of a build's stack), made once and reused by every build that has no
 * {@code --instance-role} of its own. A build's teardown never deletes it.
 */
@ActivityInterface
public interface BuilderActivities {

  /** The builder stack's name in every account and region. */
  String STACK_NAME = "precache-builder";

  /**
   * Makes the region's builder stack current and waits until it is: creates it when missing, updates it when its
   * version is older than this precache's, and otherwise finds it. Safe when builds race: a stack another build
   * is creating or updating is waited for; one whose creation failed is deleted and made again.
   */
  BuilderStack ensureBuilderStack(String region);

  /** Deletes the region's builder stack and waits until it is gone; {@link Outcome#ABSENT} when there was none. */
  BuilderStack deleteBuilderStack(String region);

  /** What ensure or delete did with the stack. */
  enum Outcome { CREATED, UPDATED, FOUND, DELETED, ABSENT }

  /**
   * The builder stack: its template version and the instance profile build stacks launch with (null once
   * deleted or absent).
   */
  record BuilderStack(String region, String stackName, int version, String instanceProfileName,
      String instanceProfileArn, Outcome outcome) {}
}

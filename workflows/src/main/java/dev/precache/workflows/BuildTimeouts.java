package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Every timeout of a build in one place. Long waits run in activities that heartbeat, so a lost worker is
 * noticed within {@link #HEARTBEAT} and the retry resumes from the heartbeat details.
 */
public final class BuildTimeouts {

  /** How long an activity may go without heartbeating before Temporal retries it elsewhere. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(30);

  /** How long one {@code awaitSnapshotCompleted} call waits before reporting progress back to the workflow. */
  public static final Duration SNAPSHOT_POLL_WINDOW = Duration.ofMinutes(1);

  /** Default overall build deadline. */
  public static final Duration DEFAULT_BUILD_TIMEOUT = Duration.ofHours(3);

  /** What the workflow run timeout adds to the build deadline, so teardown always gets to run. */
  public static final Duration TEARDOWN_ALLOWANCE = Duration.ofHours(1);

  /**
   * How long one deploy attempt keeps asking CloudFormation to create the stack, riding out throttling, before it
   * fails and Temporal retries it. No attempt calls CreateStack later than this after it started: that bound is
   * what tells teardown when no stack can appear any more.
   */
  public static final Duration STACK_CREATION_WINDOW = Duration.ofSeconds(30);

  /** The longest one CreateStack call may take, the AWS SDK's own retries of it included. */
  public static final Duration CREATE_STACK_CALL_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Once the deploy step has ended without a stack, how long an attempt that is still running (a cancel does not
   * wait for it, and a timed-out attempt's worker may still be at it) could go on creating the stack: its creation
   * window and one last call, with a few seconds for the attempt to reach its worker. Every attempt started
   * before the step ended.
   */
  public static final Duration STACK_CREATION_FENCE =
      STACK_CREATION_WINDOW.plus(CREATE_STACK_CALL_TIMEOUT).plusSeconds(5);

  private static final RetryOptions TRANSIENT_RETRY = RetryOptions.newBuilder()
      .setInitialInterval(Duration.ofSeconds(2))
      .setBackoffCoefficient(2)
      .setMaximumInterval(Duration.ofMinutes(1))
      .setDoNotRetry(BuildFailures.PERMANENT.toArray(String[]::new))
      .build();

  public static final ActivityOptions DEPLOY_STACK = heartbeating(Duration.ofMinutes(30));
  public static final ActivityOptions AWAIT_SSM = heartbeating(Duration.ofMinutes(15));
  public static final ActivityOptions RUN_COMMAND = heartbeating(Duration.ofMinutes(10));
  /**
   * How often a pull is tried before the build gives up on it: a registry still rate-limiting (429) or failing
   * after this many attempts, with the backoff above (2 s doubling to 1 min: about 3 minutes of waits), is not
   * coming back within the build. A worker lost mid-pull costs one attempt.
   */
  public static final int PULL_MAX_ATTEMPTS = 8;

  public static final ActivityOptions PULL_IMAGE = ActivityOptions.newBuilder(heartbeating(Duration.ofMinutes(90)))
      .setRetryOptions(RetryOptions.newBuilder(TRANSIENT_RETRY).setMaximumAttempts(PULL_MAX_ATTEMPTS).build())
      .build();
  public static final ActivityOptions STOP_INSTANCE = heartbeating(Duration.ofMinutes(20));
  public static final ActivityOptions CREATE_SNAPSHOT = heartbeating(Duration.ofMinutes(5));
  public static final ActivityOptions AWAIT_SNAPSHOT = heartbeating(SNAPSHOT_POLL_WINDOW.multipliedBy(3));
  public static final ActivityOptions PUBLISH = heartbeating(Duration.ofMinutes(5));
  public static final ActivityOptions FAST_RESTORE = heartbeating(Duration.ofMinutes(5));
  public static final ActivityOptions AWAIT_FAST_RESTORE = heartbeating(SNAPSHOT_POLL_WINDOW.multipliedBy(3));
  /** Resolving is a few registry round trips per image; a registry that throttles is retried for a while. */
  public static final ActivityOptions RESOLVE_IMAGES = heartbeating(Duration.ofMinutes(3));
  public static final ActivityOptions FIND_SNAPSHOT = heartbeating(Duration.ofMinutes(2));
  public static final ActivityOptions DESCRIBE_INSTANCE_TYPE = heartbeating(Duration.ofMinutes(2));
  /** Listing a region's snapshots with what uses them, and deleting one: a few pages of EC2 and SSM reads. */
  public static final ActivityOptions RETENTION = heartbeating(Duration.ofMinutes(5));
  /** Tagging a snapshot with the EC2NodeClass set to it: a DescribeSnapshots and a CreateTags or DeleteTags. */
  public static final ActivityOptions NODECLASS_TAG = heartbeating(Duration.ofMinutes(2));
  /** CopySnapshot and ModifySnapshotAttribute: one call each, the copy's wait is AWAIT_SNAPSHOT's. */
  public static final ActivityOptions COPY_SNAPSHOT = heartbeating(Duration.ofMinutes(5));
  /** A janitor's removal waits for a stack's deletion, as teardown does. */
  public static final ActivityOptions JANITOR = heartbeating(Duration.ofMinutes(30));

  /** Teardown keeps retrying transient errors for a long time: giving up would leak the stack. */
  public static final ActivityOptions TEARDOWN = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(30))
      .setScheduleToCloseTimeout(Duration.ofHours(6))
      .setHeartbeatTimeout(HEARTBEAT)
      .setRetryOptions(TRANSIENT_RETRY)
      .build();

  private static ActivityOptions heartbeating(Duration startToClose) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(startToClose.multipliedBy(3))
        .setHeartbeatTimeout(HEARTBEAT)
        .setRetryOptions(TRANSIENT_RETRY)
        .build();
  }

  private BuildTimeouts() {}
}

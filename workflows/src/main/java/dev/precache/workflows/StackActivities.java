package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;

/**
 * CloudFormation: the stack that holds the build instance and its launch template (and an instance profile, and
 * role, when the build does not use the builder stack's: see {@link BuilderActivities}).
 */
@ActivityInterface
public interface StackActivities {

  /**
   * Creates the stack (idempotent through the spec's client request token) and waits, heartbeating, until it
   * is complete. A rollback fails non-retryably with the first failed resource's reason.
   */
  StackOutputs deployStack(StackSpec spec);

  /** Deletes the stack and waits until it is gone; a stack that does not exist counts as deleted. */
  void deleteStack(String region, String stackName);

  /**
   * What {@link #deployStack} needs: the build's identity, its validated request and the builder stack's
   * instance profile to launch with; a null profile (builds recorded before the builder stack, {@code
   * --instance-role}) makes the build stack create its own. A {@code dataSnapshotId} creates the data volume from
   * that snapshot (an incremental build's parent, or a probe of {@link VerifySnapshotWorkflow}); null: an empty volume.
   * A {@code dataVolumeInitializationRateMiBps} creates it with EBS's provisioned initialization rate, as the nodes a
   * probe stands in for would; null: blocks fetched lazily on first read. A {@code pullTuning} sets the instance's
   * containerd transfer service up in its user data; null (builds before {@code tuned-transfer-service}, probes):
   * containerd's defaults.
   */
  record StackSpec(BuildIdentity identity, BuildRequest request, String instanceProfileName, String dataSnapshotId,
      Integer dataVolumeInitializationRateMiBps, PullTuning pullTuning) {
    public StackSpec(BuildIdentity identity, BuildRequest request) {
      this(identity, request, null, null, null, null);
    }

    public StackSpec(BuildIdentity identity, BuildRequest request, String instanceProfileName) {
      this(identity, request, instanceProfileName, null, null, null);
    }

    public StackSpec(BuildIdentity identity, BuildRequest request, String instanceProfileName, String dataSnapshotId) {
      this(identity, request, instanceProfileName, dataSnapshotId, null, null);
    }

    public StackSpec(BuildIdentity identity, BuildRequest request, String instanceProfileName, String dataSnapshotId,
        Integer dataVolumeInitializationRateMiBps) {
      this(identity, request, instanceProfileName, dataSnapshotId, dataVolumeInitializationRateMiBps, null);
    }

    public StackSpec withPullTuning(PullTuning tuning) {
      return new StackSpec(identity, request, instanceProfileName, dataSnapshotId, dataVolumeInitializationRateMiBps,
          tuning);
    }
  }

  /** What the stack made. */
  record StackOutputs(String stackId, String instanceId) {}
}

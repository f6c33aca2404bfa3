package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Cross-region copies of the build's snapshot, and sharing snapshots with other accounts. */
@ActivityInterface
public interface CopyActivities {

  /**
   * CopySnapshot of the completed {@code spec.snapshotId()} into {@code spec.region()}, with the source's tags
   * (content, name, build and workflow IDs) plus {@link #SOURCE_SNAPSHOT} and {@link #SOURCE_REGION}. CopySnapshot
   * has no idempotency token: a copy already tagged with this build's ID in the region is returned instead.
   */
  String copySnapshot(CopySpec spec);

  /** createVolumePermission for each account (ModifySnapshotAttribute); adding one already there is fine. */
  void shareSnapshot(String region, String snapshotId, List<String> accounts);

  String SOURCE_SNAPSHOT = "precache:source-snapshot";
  String SOURCE_REGION = "precache:source-region";

  record CopySpec(String sourceRegion, String snapshotId, String region, BuildIdentity identity, boolean encrypt,
                  String kmsKeyId) {}
}

package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Cross-region copies of the build's snapshot, and sharing snapshots with other accounts. */
@ActivityInterface
public interface CopyActivities {

  /**
   * CopySnapshot of the completed {@code spec.snapshotId()} into {@code spec.region()}, with the source's tags
   * (content, name, build and workflow IDs) but its lineage and what FSR or retention wrote, plus
   * {@link #SOURCE_SNAPSHOT}, and {@link SnapshotLifecycle#BUILDING} until the build publishes it. CopySnapshot
   * has no idempotency token: a copy already tagged with this build's ID in the region is returned instead.
   */
  String copySnapshot(CopySpec spec);

  /** createVolumePermission for each account (ModifySnapshotAttribute); adding one already there is fine. */
  void shareSnapshot(String region, String snapshotId, List<String> accounts);

  /** {@code <source region>/<source snapshot ID>} on a copy: one tag, in place of the source's lineage. */
  String SOURCE_SNAPSHOT = "precache:source-snapshot";

  /** Where a copy was copied from, as {@link #SOURCE_SNAPSHOT} says; both null for a snapshot that is no copy. */
  record Source(String region, String snapshotId) {

    public static Source of(String tagValue) {
      int slash = tagValue == null ? -1 : tagValue.indexOf('/');
      return slash < 0 ? new Source(null, null)
          : new Source(tagValue.substring(0, slash), tagValue.substring(slash + 1));
    }

    public String tagValue() {
      return region + "/" + snapshotId;
    }
  }

  record CopySpec(String sourceRegion, String snapshotId, String region, BuildIdentity identity, boolean encrypt,
                  String kmsKeyId) {}
}

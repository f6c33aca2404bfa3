package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Finding precache's snapshots with what uses them, and deleting those retention chose. */
@ActivityInterface
public interface RetentionActivities {

  /**
   * Every snapshot of this account in {@code region} tagged with {@link SnapshotContent#NAME} ({@code name}, or
   * any when null), each with {@link StoredSnapshot#usedBy} filled: SSM parameters under {@code /precache/} (where the
   * worker's policy lets {@code -op} write) holding its ID, {@link SnapshotLifecycle#NODECLASS},
   * {@link SnapshotContent#FAST_RESTORE}, volumes being created from it.
   */
  List<StoredSnapshot> listSnapshots(String region, String name);

  /**
   * Looks once more at what uses the snapshot (it may have been published since it was listed); when nothing
   * does, tags it {@link SnapshotLifecycle#RETENTION}={@link SnapshotLifecycle#EXPIRED} and deletes it.
   */
  Expiry expireSnapshot(String region, String snapshotId);

  /** @param keptBecause why it was not deleted after all, or null when it was */
  record Expiry(String snapshotId, boolean deleted, String keptBecause) {}
}

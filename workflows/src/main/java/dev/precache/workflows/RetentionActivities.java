package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Finding precache's snapshots with what uses them, and deleting those retention chose. */
@ActivityInterface
public interface RetentionActivities {

  /**
   * Every snapshot of this account in {@code region} tagged with {@link SnapshotContent#NAME} ({@code name}, or
   * any when null), each with {@link StoredSnapshot#usedBy} filled: SSM parameters (the ones its name's snapshots
   * were published to, and those under {@code /precache/}) holding its ID, {@link LifecycleTags#NODECLASS},
   * {@link LifecycleTags#FAST_RESTORE}, volumes being created from it.
   */
  List<StoredSnapshot> listSnapshots(String region, String name);

  /**
   * Looks once more at what uses the snapshot (it may have been published since it was listed); when nothing
   * does, tags it {@link LifecycleTags#RETENTION}={@link LifecycleTags#EXPIRED} and deletes it.
   */
  Expiry expireSnapshot(String region, String snapshotId);

  /** @param keptBecause why it was not deleted after all, or null when it was */
  record Expiry(String snapshotId, boolean deleted, String keptBecause) {}
}

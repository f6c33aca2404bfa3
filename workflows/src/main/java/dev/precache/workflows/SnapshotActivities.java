package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;

/** EC2 snapshots of the build instance's data volume ({@code /dev/xvdb}). */
@ActivityInterface
public interface SnapshotActivities {

  /**
   * Snapshots the instance's {@code /dev/xvdb} volume, tagged with the build ID. CreateSnapshot has no
   * idempotency token, so a snapshot already tagged with this build ID is returned instead of a second one.
   */
  String createSnapshot(SnapshotSpec spec);

  /**
   * Waits, heartbeating the progress, until the snapshot completes or {@link BuildTimeouts#SNAPSHOT_POLL_WINDOW}
   * has passed, and reports where it is. A snapshot in state {@code error} is a non-retryable failure.
   */
  SnapshotStatus awaitSnapshotCompleted(String region, String snapshotId);

  /**
   * Tags the build's snapshot {@link SnapshotLifecycle#PUBLISHED}: from then on teardown may not delete it (nor
   * may the worker's IAM policy), only retention. Tagging it twice is the same as once.
   */
  void markSnapshotPublished(String region, String snapshotId);

  /**
   * Deletes every snapshot tagged with the build's ID, whatever its state, including one whose ID never reached
   * the workflow (the worker died or the call timed out right after CreateSnapshot). None left is fine.
   */
  void deleteBuildSnapshots(String region, BuildIdentity identity);

  /**
   * The newest completed snapshot of this account tagged with the build name ({@link SnapshotContent#NAME}) in
   * {@code region}, with its tags, or null when there is none.
   */
  PreviousSnapshot findLatestSnapshot(String region, String buildName);

  /**
   * Enables fast snapshot restore for the snapshot in each zone (EnableFastSnapshotRestores again is harmless) and
   * tags it {@link SnapshotContent#FAST_RESTORE} with the zones, so retention knows it costs money while kept. A
   * zone EC2 refuses (the per-Region limit, an unknown zone) is a non-retryable failure naming it.
   */
  void enableFastSnapshotRestores(String region, String snapshotId, List<String> zones);

  /**
   * Waits, heartbeating the states, until FSR is {@code enabled} in every zone or
   * {@link BuildTimeouts#SNAPSHOT_POLL_WINDOW} has passed, and reports where it is. A zone found disabling or
   * disabled (EC2's way of saying enabling failed) is a non-retryable failure.
   */
  FastRestoreStatus awaitFastSnapshotRestoresEnabled(String region, String snapshotId, List<String> zones);

  /**
   * Disables FSR in every zone where the snapshot has it (enabling, optimizing or enabled) and removes its
   * {@link SnapshotContent#FAST_RESTORE} tag: for the snapshot a build supersedes. None enabled, or no such
   * snapshot any more, is fine.
   */
  void disableFastSnapshotRestores(String region, String snapshotId);

  /** @param states each zone's FSR state as EC2 names it ({@code optimizing}, {@code enabled} …) */
  record FastRestoreStatus(String snapshotId, Map<String, String> states, boolean enabled) {}

  /**
   * The snapshot with its state, size and tags. One that does not exist is a non-retryable
   * {@link BuildFailures#SNAPSHOT_NOT_FOUND}.
   */
  SnapshotDescription describeSnapshot(String region, String snapshotId);

  /**
   * @param description what the snapshot holds, cut to EC2's limit by the activity
   * @param tags        extra tags; the activity adds Name and the build ID
   */
  record SnapshotSpec(String region, String instanceId, BuildIdentity identity, String description,
                      Map<String, String> tags) {}

  record SnapshotStatus(String snapshotId, int percent, boolean completed) {}
}

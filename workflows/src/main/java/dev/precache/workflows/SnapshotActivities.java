package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
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

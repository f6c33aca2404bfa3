package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;

/** Hands the finished snapshot to its consumers. */
@ActivityInterface
public interface PublishActivities {

  /** Writes the snapshot ID to an SSM String parameter, overwriting the previous build's. */
  void publishSnapshotId(String region, String parameterName, String snapshotId);
}

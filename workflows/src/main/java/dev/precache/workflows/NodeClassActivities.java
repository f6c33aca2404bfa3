package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;

/** Writing on a snapshot which EC2NodeClasses are set to it ({@link SnapshotLifecycle#NODECLASS}). */
@ActivityInterface
public interface NodeClassActivities {

  /** Adds {@code nodeClass} ({@code <context>/<class>}) to the snapshot's tag, if precache built the snapshot. */
  NodeClassMarking.Change addNodeClass(String region, String snapshotId, String nodeClass);

  /** Removes {@code nodeClass} from the snapshot's tag (the tag itself once no class is left). */
  NodeClassMarking.Change removeNodeClass(String region, String snapshotId, String nodeClass);
}

package dev.precache.workflows;

/**
 * Where a snapshot stands, written on it as tags so that IAM can tell a build's product from a snapshot still being
 * built (the worker policies in deploy/iam/ let the worker delete only one its build marked failed, or one retention
 * expired):
 *
 * <ul>
 *   <li>{@value #STATE} = {@value #BUILDING}: set by CreateSnapshot and CopySnapshot (tag on create).
 *   <li>{@value #STATE} = {@value #PUBLISHED}: set once the build succeeded, just before it writes the ID to
 *       {@code -op} (a copy: before it is written to {@code -op} in the copy's region); from then on only retention
 *       deletes it.
 *   <li>{@value #STATE} = {@value #FAILED}: set by a failed build's teardown on the snapshots it made and had not
 *       published, right before DeleteSnapshot; one whose deletion did not complete is the janitor's.
 *   <li>{@value #RETENTION} = {@value #EXPIRED}: set by retention on a snapshot it chose to remove, right before
 *       DeleteSnapshot. Nothing else sets it.
 * </ul>
 * Snapshots made before these tags existed carry neither and cannot be deleted until retention expires them.
 */
public final class SnapshotLifecycle {

  public static final String STATE = "precache:state";
  public static final String BUILDING = "building";
  public static final String PUBLISHED = "published";
  public static final String FAILED = "failed";
  public static final String RETENTION = "precache:retention";
  public static final String EXPIRED = "expired";
  /**
   * {@code <kube context>/<EC2NodeClass name>} of each class set to this snapshot ({@link NodeClassTag}): retention
   * keeps a snapshot carrying it. Written by {@link NodeClassSnapshotWorkflow} after {@code nodeclass --apply} and
   * {@code build --nodeclass}, which also take the class off the snapshot it named before.
   */
  public static final String NODECLASS = "precache:nodeclass";
  /**
   * The tags a snapshot may gain after its creation, at most one at a time: {@link SnapshotContent#FAST_RESTORE}
   * while FSR is on, or {@value #RETENTION} once retention expires it (never while FSR is on: retention keeps such a
   * snapshot, and disabling FSR removes the tag). The state tag changes value, never adds one. {@link SnapshotContent}
   * leaves this place free, and one more for a build with copies: a copy carries
   * {@link CopyActivities#SOURCE_SNAPSHOT} in place of its source's {@link SnapshotContent#PARENT}. {@value #NODECLASS}
   * has no place kept: on a snapshot whose build used all 50 tags, the nodeclass tagging reports that it could not.
   */
  static final int LATER_TAGS = 1;

  private SnapshotLifecycle() {}
}

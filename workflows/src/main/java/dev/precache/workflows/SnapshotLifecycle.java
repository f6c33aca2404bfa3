package dev.precache.workflows;

/**
 * Where a snapshot stands, written on it as tags so that IAM can tell a build's product from a snapshot still being
 * built (deploy/iam/worker-policy.json lets the worker delete only the latter, or one retention expired):
 *
 * <ul>
 *   <li>{@value #STATE} = {@value #BUILDING}: set by CreateSnapshot (tag on create); a failed build's teardown may
 *       delete it.
 *   <li>{@value #STATE} = {@value #PUBLISHED}: set once the build succeeded, just before it writes the ID to
 *       {@code -op}; from then on only retention deletes it.
 *   <li>{@value #RETENTION} = {@value #EXPIRED}: set by retention on a snapshot it chose to remove, right before
 *       DeleteSnapshot. Nothing else sets it.
 * </ul>
 * Snapshots made before these tags existed carry neither and cannot be deleted until retention expires them.
 */
public final class SnapshotLifecycle {

  public static final String STATE = "precache:state";
  public static final String BUILDING = "building";
  public static final String PUBLISHED = "published";
  public static final String RETENTION = "precache:retention";
  public static final String EXPIRED = "expired";

  private SnapshotLifecycle() {}
}

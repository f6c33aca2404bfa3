package dev.precache.workflows;

/**
 * The tags that say where a snapshot is in its life, beside the content tags of {@link SnapshotContent}. The
 * worker's IAM policy keys on the first two: it may delete only a snapshot tagged expired by retention or failed by
 * its own build, so each is written (CreateTags) before DeleteSnapshot.
 */
public final class LifecycleTags {

  /** {@value #RETENTION}={@value #EXPIRED}: retention chose it; DeleteSnapshot follows. */
  public static final String RETENTION = "precache:retention";
  public static final String EXPIRED = "expired";
  /** {@value #STATUS}={@value #FAILED}: made by a build that failed; its teardown or the janitor deletes it. */
  public static final String STATUS = "precache:status";
  public static final String FAILED = "failed";
  /** The SSM parameter a build last wrote this snapshot's ID to (one per snapshot: {@code -op}). */
  public static final String PUBLISHED = "precache:published";
  /** {@code <kube context>/<EC2NodeClass name>} of a class {@code nodeclass --apply} set to this snapshot. */
  public static final String NODECLASS = "precache:nodeclass";
  /** Fast Snapshot Restore's state, as the FSR step tags it; any value but {@code disabled} holds it. */
  public static final String FAST_RESTORE = "precache:fast-restore";
  /** The snapshot an incremental rebuild started from (informational: EBS needs no parent, see {@link Retention}). */
  public static final String PARENT = "precache:parent";
  /**
   * How many of these a snapshot may gain after creation (published, nodeclass, fast-restore, and retention or
   * status before deletion): {@link SnapshotContent} leaves them free. With more than 36 user tags they may not fit.
   */
  static final int RESERVED = 4;

  private LifecycleTags() {}
}

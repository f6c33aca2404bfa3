package dev.precache.workflows;

/**
 * What {@link NodeClassSnapshotWorkflow} changed.
 *
 * @param applied  the snapshot the class is now set to
 * @param previous the snapshot the class named before, or null when it named none or the same one
 */
public record NodeClassMarking(Change applied, Change previous) {

  /**
   * One snapshot's tag.
   *
   * @param tag  its {@link SnapshotLifecycle#NODECLASS} value now (null: it has none)
   * @param note why it was left alone (not precache's, gone), or null when the tag is as asked
   */
  public record Change(String snapshotId, String tag, String note) {}
}

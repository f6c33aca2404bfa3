package dev.precache.workflows;

/**
 * @param region             where both snapshots are
 * @param snapshotId         the snapshot the class was just set to
 * @param previousSnapshotId the one it named before, or null
 * @param nodeClass          {@code <kube context or "in-cluster">/<EC2NodeClass name>}
 */
public record NodeClassMarkRequest(String region, String snapshotId, String previousSnapshotId, String nodeClass) {}

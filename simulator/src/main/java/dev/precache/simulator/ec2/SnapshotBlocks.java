package dev.precache.simulator.ec2;

/**
 * The blocks an EBS snapshot stores and copies to S3. "When you make periodic snapshots of a volume, the snapshots
 * are incremental, and only the blocks on the device that have changed since your last snapshot are saved in the
 * new snapshot" (EC2 API Reference, DeleteSnapshot); a volume created from snapshot S is of S's lineage, so its
 * snapshot stores only the blocks written since S (FIGURES.md, EBS). A volume created empty stores every block
 * written to it.
 *
 * <p>"When you delete a snapshot, only the data not needed for any other snapshot is removed. So regardless of
 * which prior snapshots have been deleted, all active snapshots will have access to all the information needed to
 * restore the volume" (same page): a child keeps what it holds, and restores whole, when its parent is deleted.
 * The simulator keeps each snapshot's whole contents with it, so deleting the parent changes nothing of the
 * child; what EBS would move to the child's account of storage on that deletion is not modelled.
 *
 * @param parentSnapshotId the snapshot the volume was created from, or null for a volume created empty
 * @param storedBytes      bytes of the blocks this snapshot adds: all written blocks without a parent, the blocks
 *                         written since the parent with one
 * @param fullBytes        bytes of every block written to the volume, the parent's included: DescribeSnapshots'
 *                         {@code FullSnapshotSizeInBytes} ("This is not the incremental size of the snapshot ...
 *                         the size of all the blocks that were written to the source volume", EC2 API Reference,
 *                         Snapshot)
 */
public record SnapshotBlocks(String parentSnapshotId, long storedBytes, long fullBytes) {

    /** A snapshot of a volume created from {@code parentSnapshotId} (null: created empty). */
    static SnapshotBlocks of(String parentSnapshotId, long writtenSinceCreated, long usedBytes) {
        return new SnapshotBlocks(parentSnapshotId, parentSnapshotId == null ? usedBytes : writtenSinceCreated,
                usedBytes);
    }

    public boolean incremental() {
        return parentSnapshotId != null;
    }
}

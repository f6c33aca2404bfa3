package dev.precache.workflows;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A precache snapshot as EC2 describes it (one carrying {@link SnapshotContent#NAME}), with what uses it now.
 *
 * @param state         EC2's {@code pending}, {@code completed}, {@code error} (or {@code recoverable} …)
 * @param content       {@link SnapshotContent#CONTENT}, the hash of what it holds; null for an older precache's
 * @param parent        {@link SnapshotContent#PARENT}, or null
 * @param sourceSnapshotId for a copy, the snapshot (in {@code sourceRegion}) it was copied from; else null
 * @param usedBy        why it must stay, one reason a line: an SSM parameter naming it, an applied nodeclass,
 *                      Fast Snapshot Restore, a volume being created from it; empty when nothing uses it
 * @param tags          every tag, for {@code snapshots list -o json}
 */
public record StoredSnapshot(String snapshotId, String region, String name, String state, Instant startTime,
                             int volumeSizeGiB, String content, String parent, String sourceSnapshotId,
                             String sourceRegion, List<String> usedBy, Map<String, String> tags) {

  public boolean completed() {
    return "completed".equals(state);
  }

  public boolean failedBuild() {
    return SnapshotLifecycle.FAILED.equals(tags.get(SnapshotLifecycle.STATE));
  }
}

package dev.precache.workflows;

import java.util.List;

/**
 * What an incremental rebuild started from and what it changed, for progress, the result and the CLI.
 *
 * @param parentSnapshotId the snapshot the build volume was created from (tag {@value IncrementalRebuild#PARENT_TAG}
 *                         on the new snapshot)
 * @param removedImages    images on the parent no longer wanted, removed before the pulls; null until prepared
 * @param layersPresent    distinct resolved layers already on the volume, which containerd neither downloads nor
 *                         unpacks again; null until prepared
 * @param layersTotal      distinct resolved layers of the build
 * @param bytesToPull      compressed bytes of the layers not on the volume; null until prepared
 * @param unchangedPulls   image × platform pulls ({@code image platform}) whose every layer was already there;
 *                         null until prepared
 * @param writtenBytes     what the pulls added to the volume (its use after the pulls less before them): the
 *                         blocks the new snapshot stores beyond its parent; null until measured
 */
public record IncrementalBuild(String parentSnapshotId, List<String> removedImages, Integer layersPresent,
                               int layersTotal, Long bytesToPull, List<String> unchangedPulls, Long writtenBytes) {

  /** {@code incremental from snap-…, 5.2 GiB written}, or what is known so far. */
  public String summary() {
    StringBuilder line = new StringBuilder("incremental from ").append(parentSnapshotId);
    if (writtenBytes != null) {
      line.append(", ").append(writtenBytes).append(" bytes written (")
          .append(VolumeSizing.human(writtenBytes)).append(')');
    }
    if (layersPresent != null) {
      line.append("; ").append(layersPresent).append(" of ").append(layersTotal)
          .append(" layers already on the volume, ").append(VolumeSizing.human(bytesToPull)).append(" to pull");
      if (!removedImages.isEmpty()) {
        line.append("; removed ").append(removedImages.size()).append(" image(s) no longer wanted");
      }
    }
    return line.toString();
  }
}

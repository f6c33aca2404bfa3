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

  /** {@code incremental from snap-…, 5583457484 bytes written (5.2 GiB)}, once measured. */
  public String summary() {
    return "incremental from " + parentSnapshotId + (writtenBytes == null ? ""
        : ", " + writtenBytes + " bytes written (" + VolumeSizing.human(writtenBytes) + ")");
  }

  /** What the volume from the parent held for this build: {@code 23 of 27 layers already on the volume, …}. */
  public String preparedSummary() {
    if (layersPresent == null) {
      return "volume from " + parentSnapshotId;
    }
    return "volume from " + parentSnapshotId + ": " + layersPresent + " of " + layersTotal
        + " layers already on it, " + VolumeSizing.human(bytesToPull) + " to pull"
        + (removedImages.isEmpty() ? "" : "; removed " + removedImages.size() + " image(s) no longer wanted: "
        + String.join(", ", removedImages));
  }
}

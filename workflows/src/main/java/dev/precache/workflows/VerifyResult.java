package dev.precache.workflows;

import java.util.List;

/**
 * What restoring a snapshot showed.
 *
 * @param passed every recorded image × platform is complete, at its recorded digest and pinned
 * @param reason why it did not pass, naming each image and platform at fault; null when it passed
 * @param images every recorded image × platform and what its probe found
 * @param probes the instances that restored it, one per architecture
 */
public record VerifyResult(String snapshotId, String region, boolean passed, String reason,
    List<VerifiedImage> images, List<Probe> probes) {

  /**
   * One recorded image × platform on its probe.
   *
   * @param foundDigest what containerd holds the image at, or null when it holds no image of that name
   * @param status      {@code ctr images check}'s STATUS, e.g. {@code complete (7/7)}, {@code unavailable (0/?)}
   * @param complete    its config and every layer are in the content store, and it is unpacked
   * @param pinned      labelled {@code io.cri-containerd.pinned=pinned}, so kubelet's image GC keeps it
   */
  public record VerifiedImage(String image, String platform, String recordedDigest, String foundDigest,
      String status, boolean complete, boolean pinned) {

    public boolean passed() {
      return complete && pinned && recordedDigest.equals(foundDigest);
    }

    /** Why it did not pass; null when it did. */
    public String problem() {
      if (foundDigest == null) {
        return image + " (" + platform + "): not on the volume";
      }
      if (!recordedDigest.equals(foundDigest)) {
        return image + " (" + platform + "): holds " + foundDigest + ", recorded " + recordedDigest;
      }
      if (!complete) {
        return image + " (" + platform + "): " + status;
      }
      return pinned ? null : image + " (" + platform + "): not labelled io.cri-containerd.pinned=pinned";
    }
  }

  /**
   * @param checkMillis        how long {@code ctr images check} of every image ran on the probe (SSM's execution
   *                           time, the instance's clock)
   * @param initializationRateMiBps the provisioned initialization rate the probe's volume was created with; null:
   *                           lazily
   * @param sampledBytes       how much of the restored volume the probe read from its start, as a new node reads
   *                           its images before they are initialised; 0 when not sampled (verifies before
   *                           {@code verify-read-sample})
   * @param sampledMillis      how long that read ran on the probe
   * @param imageBytes         what the node must read until every image is readable: the volume's use recorded
   *                           when the snapshot was made, else the snapshot's size
   * @param untilReadableMillis {@code imageBytes} at the sampled rate: how long until every image on a node
   *                           restored as the probe was (same FSR state and initialization rate) is fully
   *                           readable; 0 when not sampled
   */
  public record Probe(String platform, String instanceType, String stackName, String instanceId, long checkMillis,
      Integer initializationRateMiBps, long sampledBytes, long sampledMillis, long imageBytes, long untilReadableMillis) {

    /** The sampled read rate in MiB/s; 0 when not sampled. */
    public double sampledMiBps() {
      return sampledMillis <= 0 ? 0 : sampledBytes / (double) (1 << 20) / (sampledMillis / 1000.0);
    }
  }
}

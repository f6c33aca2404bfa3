package dev.precache.starter;

import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code blockDeviceMappings} entry of an EC2NodeClass for Bottlerocket's data volume, {@code /dev/xvdb},
 * restored from a precache snapshot. Field names are Karpenter's ({@code karpenter.k8s.aws/v1}
 * {@code spec.blockDeviceMappings[].ebs}); null fields are left out.
 *
 * @param snapshotId          the snapshot the volume is created from
 * @param volumeSizeGiB       null: EC2 sizes the volume as the snapshot
 * @param throughputMiBps     gp3 throughput
 * @param iops                gp3 IOPS
 * @param encrypted           true to encrypt (a volume from an encrypted snapshot is encrypted anyway); null: unset,
 *                            as EC2 never removes a snapshot's encryption
 * @param kmsKeyId            the customer managed KMS key, or null
 * @param deleteOnTermination delete the volume with the node
 * @param initializationRate  provisioned volume-initialisation rate, MiB/s, or null for lazy initialisation
 */
record DataVolumeMapping(
    String snapshotId,
    Integer volumeSizeGiB,
    int throughputMiBps,
    int iops,
    Boolean encrypted,
    String kmsKeyId,
    boolean deleteOnTermination,
    Integer initializationRate) {

  static final String DEVICE_NAME = "/dev/xvdb";
  /** gp3's baseline, free with every volume (FIGURES.md, EBS). */
  static final int GP3_BASELINE_IOPS = VolumePerformance.MIN_IOPS;
  static final int GP3_BASELINE_THROUGHPUT_MIBPS = VolumePerformance.MIN_THROUGHPUT_MIBPS;

  /**
   * The smallest volume for a snapshot of {@code snapshotGiB} on which the {@code usage} measured after the pulls
   * stays below kubelet's image-GC high threshold, as the build sized it: the snapshot's size unless the images
   * took more room than the build estimated.
   */
  static int recommendedGiB(int snapshotGiB, VolumeUsage usage) {
    if (usage == null) {
      return snapshotGiB;
    }
    long needed = (long) Math.ceil(usage.usedBytes() / VolumeSizing.IMAGE_GC_HIGH_THRESHOLD / VolumeSizing.GIB);
    return (int) Math.max(snapshotGiB, Math.min(needed, VolumeSizing.MAX_GIB));
  }

  /** The entry as Karpenter spells it, keys in the CRD's order of importance. */
  Map<String, Object> toEntry() {
    Map<String, Object> ebs = new LinkedHashMap<>();
    ebs.put("snapshotID", snapshotId);
    if (volumeSizeGiB != null) {
      ebs.put("volumeSize", volumeSizeGiB + "Gi");
    }
    ebs.put("volumeType", "gp3");
    ebs.put("throughput", throughputMiBps);
    ebs.put("iops", iops);
    if (encrypted != null) {
      ebs.put("encrypted", encrypted);
    }
    if (kmsKeyId != null) {
      ebs.put("kmsKeyID", kmsKeyId);
    }
    ebs.put("deleteOnTermination", deleteOnTermination);
    if (initializationRate != null) {
      ebs.put("volumeInitializationRate", initializationRate);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("deviceName", DEVICE_NAME);
    entry.put("ebs", ebs);
    return entry;
  }
}

package dev.precache.workflows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything one snapshot build needs: snapshot.sh's flags plus what precache adds. The CLI fills it from
 * flags; {@link BuildRequestValidator#normalize} checks it and fills defaults before anything touches AWS.
 *
 * @param name                  build name: tags the snapshot and names the stack (snapshot.sh has none)
 * @param region                AWS region of the build instance and the snapshot ({@code -r})
 * @param images                image references, normalised to {@code registry/repository:tag} or {@code @digest}
 * @param platforms             platforms to pull each image for, as {@code linux/amd64} ({@code -A}, comma-separated)
 * @param amiParameter          SSM parameter holding the Bottlerocket AMI ID ({@code -a})
 * @param instanceType          build instance type ({@code -i})
 * @param encrypt               encrypt the data volume and so the snapshot ({@code -e})
 * @param kmsKeyId              KMS key for encryption; only with {@code encrypt} ({@code -k})
 * @param volumeSizeGiB         data volume size in GiB, 1–65,536 ({@code -s}); null: sized from the resolved images
 * @param instanceRole          existing IAM role for the instance instead of the stack's own ({@code -R})
 * @param securityGroupId       security group of the instance ({@code -sg})
 * @param subnetId              subnet of the instance ({@code -sn})
 * @param outputParameterName   SSM parameter to write the snapshot ID to ({@code -op})
 * @param publicIp              give the instance a public IP ({@code -p})
 * @param tags                  extra tags for the stack, instance, volume and snapshot
 * @param timeout               overall build deadline; teardown still runs after it
 * @param pullParallelism       how many image × platform pulls run at once
 * @param volumeThroughputMiBps gp3 throughput of the build volume, MiB/s (null: chosen, {@link VolumePerformance})
 * @param volumeIops            gp3 IOPS of the build volume (null: chosen, {@link VolumePerformance})
 * @param force                 build even when the newest snapshot of this name already holds the same digests
 * @param volumeInitializationRateMiBps the provisioned rate (100–300 MiB/s) nodes create the data volume with:
 *                              carried into the nodeclass entry and the restore estimate; null: lazy or FSR
 * @param fastRestoreZones      Availability Zones to enable fast snapshot restore in once the snapshot completes
 *                              (disabled on the snapshot it supersedes); empty: none
 * @param verify                restore the new snapshot on a probe instance and check it before publishing
 *                              ({@code --verify}, {@link VerifySnapshotWorkflow}); one that fails is deleted
 * @param fromPrevious          create the build volume from the newest completed snapshot of this name and region
 *                              and pull only what changed ({@code --from-previous}; false: {@code --from-scratch});
 *                              null: true for a build a schedule started, false for one-off builds
 * @param keepSnapshots         after a successful build, keep this many of the newest completed snapshots of its
 *                              name in the region and delete the older ones nothing uses ({@link Retention}); null
 *                              keeps every one ({@code --keep})
 * @param copyToRegions         regions to copy the completed snapshot to, each published there too
 *                              ({@code --copy-to-region}); null or empty: none
 * @param shareWithAccounts     12-digit accounts given createVolumePermission on the snapshot and its copies
 *                              ({@code --share-with-account}); null or empty: none
 */
public record BuildRequest(
    String name,
    String region,
    List<String> images,
    List<String> platforms,
    String amiParameter,
    String instanceType,
    boolean encrypt,
    String kmsKeyId,
    Integer volumeSizeGiB,
    String instanceRole,
    String securityGroupId,
    String subnetId,
    String outputParameterName,
    boolean publicIp,
    Map<String, String> tags,
    Duration timeout,
    Integer pullParallelism,
    Integer volumeThroughputMiBps,
    Integer volumeIops,
    boolean force,
    Integer volumeInitializationRateMiBps,
    List<String> fastRestoreZones,
    boolean verify,
    Boolean fromPrevious,
    Integer keepSnapshots,
    List<RegionCopy> copyToRegions,
    List<String> shareWithAccounts) {

  public BuildRequest {
    fastRestoreZones = fastRestoreZones == null ? List.of() : List.copyOf(fastRestoreZones);
  }

  /** A request as precache before retention and copies spelled it: keeps every snapshot, one region, no shares. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops, boolean force,
      Integer volumeInitializationRateMiBps, List<String> fastRestoreZones, boolean verify, Boolean fromPrevious) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones, verify, fromPrevious,
        null, null, null);
  }

  /** A request as precache before {@code fromPrevious} spelled it: the default for where it was started. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops, boolean force,
      Integer volumeInitializationRateMiBps, List<String> fastRestoreZones, boolean verify) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones, verify, null);
  }

  /** A request as precache spelled it before {@code verify}. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops, boolean force,
      Integer volumeInitializationRateMiBps, List<String> fastRestoreZones) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones, false, null);
  }

  /** A request as precache spelled it with {@code fromPrevious} but before restore speed and {@code verify}. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops, boolean force,
      Boolean fromPrevious) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, null, List.of(), false, fromPrevious);
  }

  /** A request as precache before restore speed, {@code verify} and {@code fromPrevious} spelled it. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops, boolean force) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, null, List.of(), false, null);
  }

  /** A request as precache before {@code force} spelled it: never forced. */
  public BuildRequest(String name, String region, List<String> images, List<String> platforms, String amiParameter,
      String instanceType, boolean encrypt, String kmsKeyId, Integer volumeSizeGiB, String instanceRole,
      String securityGroupId, String subnetId, String outputParameterName, boolean publicIp, Map<String, String> tags,
      Duration timeout, Integer pullParallelism, Integer volumeThroughputMiBps, Integer volumeIops) {
    this(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, volumeSizeGiB, instanceRole,
        securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, false, null);
  }

  /** This request with the data volume's size decided. */
  public BuildRequest withVolumeSizeGiB(int sizeGiB) {
    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId, sizeGiB,
        instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout, pullParallelism,
        volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones, verify, fromPrevious,
        keepSnapshots, copyToRegions, shareWithAccounts);
  }

  /** This request with its pulls' parallelism decided; null leaves it to the workflow's plan. */
  public BuildRequest withPullParallelism(Integer parallelism) {
    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId,
        volumeSizeGiB, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout,
        parallelism, volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones, verify,
        fromPrevious, keepSnapshots, copyToRegions, shareWithAccounts);
  }

  /** This request with the data volume's gp3 throughput and IOPS decided. */
  public BuildRequest withVolumePerformance(int throughputMiBps, int iops) {
    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId,
        volumeSizeGiB, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout,
        pullParallelism, throughputMiBps, iops, force, volumeInitializationRateMiBps, fastRestoreZones, verify,
        fromPrevious, keepSnapshots, copyToRegions, shareWithAccounts);
  }

  /** This request, verified ({@code --verify}) or not before publishing. */
  public BuildRequest withVerify(boolean verified) {
    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId,
        volumeSizeGiB, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout,
        pullParallelism, volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones,
        verified, fromPrevious, keepSnapshots, copyToRegions, shareWithAccounts);
  }

  /** This request keeping {@code keep} snapshots of its name ({@code --keep}; a schedule's default). */
  public BuildRequest withKeepSnapshots(Integer keep) {
    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, encrypt, kmsKeyId,
        volumeSizeGiB, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tags, timeout,
        pullParallelism, volumeThroughputMiBps, volumeIops, force, volumeInitializationRateMiBps, fastRestoreZones,
        verify, fromPrevious, keep, copyToRegions, shareWithAccounts);
  }

  /** The copies asked for, never null. */
  public List<RegionCopy> copies() {
    return copyToRegions == null ? List.of() : copyToRegions;
  }

  /** The accounts to share with, never null. */
  public List<String> sharedWith() {
    return shareWithAccounts == null ? List.of() : shareWithAccounts;
  }

  /** A request with snapshot.sh's defaults for everything but the region and the images. */
  public static BuildRequest of(String region, List<String> images) {
    return new BuildRequest(null, region, images, null, null, null, false, null, null, null, null, null, null,
        true, Map.of(), null, null, null, null);
  }
}

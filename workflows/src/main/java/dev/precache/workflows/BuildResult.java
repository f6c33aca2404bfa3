package dev.precache.workflows;

import java.util.List;

/**
 * What a finished build made.
 *
 * @param snapshotId         the EBS snapshot of the data volume
 * @param region             where the snapshot lives
 * @param volumeSizeGiB      size of the snapshotted volume
 * @param images             every requested image × platform with the digest verified on the volume
 * @param steps              how long each step took
 * @param stackName          the (now deleted) CloudFormation stack of the build instance
 * @param instanceId         the (now terminated) build instance
 * @param publishedParameter the SSM parameter the snapshot ID was written to, or null
 * @param upToDate           the newest snapshot of this build name already held these digests: it is
 *                           {@code snapshotId}, and nothing was launched (no stack, no instance)
 * @param sizing             how the volume size was worked out from the resolved images (null for builds that
 *                           did not resolve)
 * @param volumeUsage        the volume as measured after the pulls, or null when nothing was pulled
 * @param volumePerformance  the volume's gp3 throughput and IOPS and why (null for builds before instance fit,
 *                           and when nothing was launched)
 * @param instanceWarning    what the build instance could not do for these pulls, or null
 * @param incremental        what an incremental rebuild started from and wrote; null for a build from scratch
 * @param retention          what {@code --keep} deleted and kept after the build, or null without it; its
 *                           {@code warning} says why it did not complete (the build succeeded all the same)
 * @param copies             the snapshot's copies in other regions, each published there ({@code --copy-to-region});
 *                           null for builds before copies
 */
public record BuildResult(
    String snapshotId,
    String region,
    int volumeSizeGiB,
    List<CachedImage> images,
    List<StepTiming> steps,
    String stackName,
    String instanceId,
    String publishedParameter,
    boolean upToDate,
    VolumeSizing sizing,
    VolumeUsage volumeUsage,
    VolumePerformance volumePerformance,
    String instanceWarning,
    IncrementalBuild incremental,
    RetentionReport retention,
    List<SnapshotCopy> copies) {

  /** A result as builds before retention and copies return it. */
  public BuildResult(String snapshotId, String region, int volumeSizeGiB, List<CachedImage> images,
      List<StepTiming> steps, String stackName, String instanceId, String publishedParameter, boolean upToDate,
      VolumeSizing sizing, VolumeUsage volumeUsage, VolumePerformance volumePerformance, String instanceWarning,
      IncrementalBuild incremental) {
    this(snapshotId, region, volumeSizeGiB, images, steps, stackName, instanceId, publishedParameter, upToDate,
        sizing, volumeUsage, volumePerformance, instanceWarning, incremental, null, null);
  }

  /** A result as builds before incremental rebuilds return it. */
  public BuildResult(String snapshotId, String region, int volumeSizeGiB, List<CachedImage> images,
      List<StepTiming> steps, String stackName, String instanceId, String publishedParameter, boolean upToDate,
      VolumeSizing sizing, VolumeUsage volumeUsage, VolumePerformance volumePerformance, String instanceWarning) {
    this(snapshotId, region, volumeSizeGiB, images, steps, stackName, instanceId, publishedParameter, upToDate,
        sizing, volumeUsage, volumePerformance, instanceWarning, (IncrementalBuild) null);
  }

  public BuildResult withRetention(RetentionReport report) {
    return new BuildResult(snapshotId, region, volumeSizeGiB, images, steps, stackName, instanceId,
        publishedParameter, upToDate, sizing, volumeUsage, volumePerformance, instanceWarning, incremental, report,
        copies);
  }

  public BuildResult withCopies(List<SnapshotCopy> made) {
    return new BuildResult(snapshotId, region, volumeSizeGiB, images, steps, stackName, instanceId,
        publishedParameter, upToDate, sizing, volumeUsage, volumePerformance, instanceWarning, incremental, retention,
        made);
  }

  /** A result as builds before the instance-fit change return it. */
  public BuildResult(String snapshotId, String region, int volumeSizeGiB, List<CachedImage> images,
      List<StepTiming> steps, String stackName, String instanceId, String publishedParameter, boolean upToDate,
      VolumeSizing sizing, VolumeUsage volumeUsage) {
    this(snapshotId, region, volumeSizeGiB, images, steps, stackName, instanceId, publishedParameter, upToDate,
        sizing, volumeUsage, null, null, null);
  }
}

package dev.precache.workflows;

import java.util.List;

/**
 * What {@link SnapshotBuildWorkflow#progress()} answers: where the build is now.
 *
 * @param step            the current step, null before the first starts
 * @param pulls           each image × platform and its state
 * @param snapshotPercent the snapshot's progress, null until it exists
 * @param stackName       the build's stack, known from the start
 * @param instanceId      the build instance, once the stack is up
 * @param snapshotId      the snapshot, once created
 * @param failure         why the build failed, once it has
 * @param finished        true once the workflow has nothing left to do (teardown included)
 * @param volumeSizeGiB   the data volume's size, once decided
 * @param sizing          how it was decided from the resolved images, or null
 * @param volumeUsage     the volume as measured after the pulls, once measured
 * @param volumePerformance the volume's gp3 throughput and IOPS and why, once decided (null before instance fit)
 * @param instanceWarning what the build instance cannot do for these pulls, or null
 * @param restore         how soon a node restored from the snapshot reads every image, for the request's choice
 *                        (lazy, {@code --volume-initialization-rate} or {@code --fast-restore}), once sized
 * @param incremental     what an incremental rebuild starts from, has found on the volume and wrote; null from scratch
 */
public record BuildProgress(
    BuildStep step,
    List<ImagePull> pulls,
    Integer snapshotPercent,
    String stackName,
    String instanceId,
    String snapshotId,
    String failure,
    boolean finished,
    Integer volumeSizeGiB,
    VolumeSizing sizing,
    VolumeUsage volumeUsage,
    VolumePerformance volumePerformance,
    String instanceWarning,
    RestoreTimeModel.Estimate restore,
    IncrementalBuild incremental) {

  /** Progress as builds before incremental rebuilds report it. */
  public BuildProgress(BuildStep step, List<ImagePull> pulls, Integer snapshotPercent, String stackName,
      String instanceId, String snapshotId, String failure, boolean finished, Integer volumeSizeGiB,
      VolumeSizing sizing, VolumeUsage volumeUsage, VolumePerformance volumePerformance, String instanceWarning,
      RestoreTimeModel.Estimate restore) {
    this(step, pulls, snapshotPercent, stackName, instanceId, snapshotId, failure, finished, volumeSizeGiB, sizing,
        volumeUsage, volumePerformance, instanceWarning, restore, null);
  }

  /** Progress as builds before restore speed report it. */
  public BuildProgress(BuildStep step, List<ImagePull> pulls, Integer snapshotPercent, String stackName,
      String instanceId, String snapshotId, String failure, boolean finished, Integer volumeSizeGiB,
      VolumeSizing sizing, VolumeUsage volumeUsage, VolumePerformance volumePerformance, String instanceWarning) {
    this(step, pulls, snapshotPercent, stackName, instanceId, snapshotId, failure, finished, volumeSizeGiB, sizing,
        volumeUsage, volumePerformance, instanceWarning, null, null);
  }

  /** Progress as builds before the instance-fit change report it. */
  public BuildProgress(BuildStep step, List<ImagePull> pulls, Integer snapshotPercent, String stackName,
      String instanceId, String snapshotId, String failure, boolean finished, Integer volumeSizeGiB,
      VolumeSizing sizing, VolumeUsage volumeUsage) {
    this(step, pulls, snapshotPercent, stackName, instanceId, snapshotId, failure, finished, volumeSizeGiB, sizing,
        volumeUsage, null, null, null, null);
  }
}

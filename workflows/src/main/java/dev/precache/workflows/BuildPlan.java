package dev.precache.workflows;

import java.util.List;

/**
 * What a build of a request would do, without launching anything: {@link PlanWorkflow}'s answer.
 *
 * @param request          the validated request
 * @param images           every image × platform as resolved, with what it shares
 * @param sizing           the volume estimate
 * @param volumeSizeGiB    the size a build would use: {@code -s}, or the recommended size
 * @param volumeTooSmall   an explicit {@code -s} below {@link VolumeSizing#requiredGiB()}: a build would be refused
 * @param upToDate         a build would end at once: the newest snapshot of this name already holds these digests
 * @param previousSnapshot that newest snapshot, or null
 * @param estimate         how long the build would take, from {@link BuildTimeModel}
 * @param volumePerformance the volume's gp3 throughput and IOPS a build would use, and why
 * @param instanceWarning  what the build instance cannot do for these pulls, or null
 * @param restore          how soon a node restored from the snapshot reads every image, for the request's choice
 * @param restoreAlternatives lazy, 300 MiB/s and fast snapshot restore side by side
 */
public record BuildPlan(
    BuildRequest request,
    List<PlannedImage> images,
    VolumeSizing sizing,
    int volumeSizeGiB,
    boolean volumeTooSmall,
    boolean upToDate,
    String previousSnapshot,
    BuildTimeModel.Estimate estimate,
    VolumePerformance volumePerformance,
    String instanceWarning,
    RestoreTimeModel.Estimate restore,
    List<RestoreTimeModel.Estimate> restoreAlternatives) {

  /** A plan as before restore speed: no restore estimate. */
  public BuildPlan(BuildRequest request, List<PlannedImage> images, VolumeSizing sizing, int volumeSizeGiB,
      boolean volumeTooSmall, boolean upToDate, String previousSnapshot, BuildTimeModel.Estimate estimate,
      VolumePerformance volumePerformance, String instanceWarning) {
    this(request, images, sizing, volumeSizeGiB, volumeTooSmall, upToDate, previousSnapshot, estimate,
        volumePerformance, instanceWarning, null, List.of());
  }

  /**
   * @param sharedLayers how many of its layers another image × platform of the request also has
   */
  public record PlannedImage(String image, String platform, String digest, String manifestDigest,
                             long compressedBytes, int layers, int sharedLayers) {}

  /** Each resolved image × platform with the layers it shares with the others. */
  public static List<PlannedImage> planned(List<ResolvedImage> resolved) {
    return resolved.stream().map(image -> {
      int shared = (int) image.layers().stream()
          .filter(layer -> resolved.stream().anyMatch(other -> other != image
              && other.layers().stream().anyMatch(l -> l.digest().equals(layer.digest()))))
          .count();
      return new PlannedImage(image.image(), image.platform(), image.digest(), image.manifestDigest(),
          image.compressedBytes(), image.layers().size(), shared);
    }).toList();
  }
}

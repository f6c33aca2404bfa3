package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** The build instance: SSM Run Command on Bottlerocket's admin container, and EC2 stop. */
@ActivityInterface
public interface InstanceActivities {

  /** Waits, heartbeating, until SSM reports the instance {@code Online}. */
  void awaitSsmOnline(String region, String instanceId);

  /** Stops kubelet so nothing uses or garbage-collects images while the volume is prepared. */
  void stopKubelet(String region, String instanceId);

  /** Removes every image containerd already holds in the {@code k8s.io} namespace. */
  void removeCachedImages(String region, String instanceId);

  /**
   * {@link #stopKubelet} then {@link #removeCachedImages} in one command: one SSM round trip (delivery and polls)
   * instead of two. A new build's step 4; the two alone stay for an incremental build and builds begun before.
   */
  void stopKubeletAndRemoveImages(String region, String instanceId);

  /**
   * Pulls one image for one platform into containerd's {@code k8s.io} namespace. Registry credentials (ECR)
   * are fetched inside the activity and never returned, logged or passed in. A retry of a pull whose command
   * is still running waits for that command instead of sending a second one.
   */
  CachedImage pullImage(PullSpec spec);

  /**
   * Lists what containerd holds and returns each requested image × platform with its digest; one missing is
   * a non-retryable failure.
   */
  List<CachedImage> verifyCachedImages(VerifySpec spec);

  /**
   * Checks what the volume holds against what the build resolved, per image × platform: the image is recorded
   * with the resolved digest and the pinned label, and its manifest, config and every layer are in the content
   * store ({@code ctr images ls} lists every platform an index names, pulled or not, so its platforms say
   * nothing). Then measures the volume. Anything missing or different is a non-retryable failure naming it.
   */
  VerifiedVolume verifyResolvedImages(ResolvedVerifySpec spec);

  /**
   * Runs {@code ctr images check} and {@code ctr images ls} for these images in one command on a probe and
   * returns each image's row of both, with how long the command ran on the instance. ctr checks the host's
   * platform only (images.Check with platforms.Default()), so a probe checks its own architecture.
   */
  ImageCheck checkImages(ImageCheckSpec spec);

  /**
   * Reads the first {@code spec.bytes()} of the data volume on a probe ({@code dd if=/dev/xvdb of=/dev/null}, the
   * read AWS documents to initialise a restored volume) and returns how long that ran on the instance: on a
   * volume restored from a snapshot, the rate a new node reads its images at until they are initialised.
   */
  ReadSample readSample(ReadSampleSpec spec);

  /** Stops the instance and waits until it is stopped, so the volume is consistent for the snapshot. */
  void stopInstance(String region, String instanceId);

  /** Deletes any registry credentials this build parked in Parameter Store; none left is fine. */
  void deleteRegistryCredentials(String region, BuildIdentity identity);

  /**
   * The build instance type's vCPUs and network (DescribeInstanceTypes), and those of the other sizes of its
   * family ({@code instance-type} filter {@code m5.*}). A type EC2 does not offer is a non-retryable failure.
   */
  InstanceCapacity.Family describeInstanceCapacity(String region, String instanceType);

  /**
   * Prepares an incremental build's volume, created from the previous snapshot: removes every image not in
   * {@code spec.keep()} with the content only it referenced (synchronously), then answers which of the resolved
   * layers containerd already holds and the volume's use before the pulls. It reads containerd's metadata and no
   * layer's data, which on a volume restored from a snapshot would be fetched from S3 block by block.
   */
  PreparedVolume keepOnlyImages(KeepSpec spec);

  record KeepSpec(String region, String instanceId, List<String> keep, List<String> layerDigests) {}

  /**
   * @param removedImages the images removed, as containerd named them
   * @param presentLayers the layer digests of {@link KeepSpec#layerDigests()} in the content store
   * @param usage         the volume's use before the pulls
   */
  record PreparedVolume(List<String> removedImages, List<String> presentLayers, VolumeUsage usage) {}

  /**
   * @param layers     the platform's layers as resolved, so the pull can tell how far along it is ({@link PullProgress});
   *                   null when the build did not resolve first (or began before {@code pull-progress}): no figures
   * @param clientSide pull with {@code ctr images pull --local} ({@link PullSchedule#clientSide}); false (absent in
   *                   the pulls of builds before {@code client-side-pulls}): through containerd's transfer service
   */
  record PullSpec(String region, String instanceId, BuildIdentity identity, String image, String platform,
                  List<ResolvedLayer> layers, boolean clientSide) {
    public PullSpec(String region, String instanceId, BuildIdentity identity, String image, String platform) {
      this(region, instanceId, identity, image, platform, null, false);
    }

    public PullSpec(String region, String instanceId, BuildIdentity identity, String image, String platform,
        List<ResolvedLayer> layers) {
      this(region, instanceId, identity, image, platform, layers, false);
    }
  }

  /**
   * What {@link #pullImage} heartbeats: its command (so a retry resumes it) and, once probed, how far the pull is.
   * The figures are null until the first probe answered, and for a pull without {@link PullSpec#layers()}.
   *
   * @param downloadedBytes compressed layer bytes on the instance, complete layers and downloads under way
   * @param totalBytes      the pull's compressed layer bytes, as resolved
   * @param bytesPerSecond  the download rate between the last two probes; null after the first
   */
  record PullProgress(String commandId, String image, String platform, Long downloadedBytes, Long totalBytes,
                      Long bytesPerSecond) {}

  record VerifySpec(String region, String instanceId, List<String> images, List<String> platforms) {}

  record ResolvedVerifySpec(String region, String instanceId, List<ResolvedImage> images) {}

  record ImageCheckSpec(String region, String instanceId, List<String> images) {}

  /**
   * @param images        one per image containerd holds of those asked for
   * @param executedMillis how long the command ran on the instance, from SSM's execution start to its end
   */
  record ImageCheck(List<CheckedImage> images, long executedMillis) {}

  record ReadSampleSpec(String region, String instanceId, long bytes) {}

  /** @param executedMillis how long the read ran on the instance, from SSM's execution start to its end */
  record ReadSample(long bytes, long executedMillis) {}

  /**
   * One image as {@code ctr images check} and {@code ctr images ls} print it.
   *
   * @param status   e.g. {@code complete (7/7)}, {@code incomplete (3/7)}, {@code unavailable (0/?)}
   * @param unpacked the UNPACKED column
   * @param labels   {@code key=value} from {@code ctr images ls}
   */
  record CheckedImage(String ref, String digest, String status, boolean unpacked, List<String> labels) {}

  /** Each image × platform verified on the volume, and the volume's use after the pulls. */
  record VerifiedVolume(List<CachedImage> images, VolumeUsage usage) {}
}

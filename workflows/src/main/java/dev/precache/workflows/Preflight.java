package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What a build and a plan work out before launching anything (workflow code): every image × platform from its
 * registry, the newest snapshot of the build name, the volume size, and whether that snapshot already holds
 * exactly these digests, and (from the instance-fit change on) the build instance type's vCPUs and network.
 *
 * @param images        every image × platform as resolved
 * @param previous      the newest completed snapshot of this name and region, or null
 * @param sizing        the volume estimate
 * @param volumeSizeGiB {@code -s}, or the recommended size
 * @param upToDate      {@code previous} holds the same content, is encrypted as asked (and, with {@code -s}, has
 *                      that size), and the request does not force a build
 * @param capacity      the build instance type and its family as EC2 describes them; null when not looked up
 */
record Preflight(List<ResolvedImage> images, PreviousSnapshot previous, VolumeSizing sizing, int volumeSizeGiB,
                 boolean upToDate, InstanceCapacity.Family capacity) {

  static Preflight run(BuildRequest request) {
    List<ResolvedImage> images = Workflow.newActivityStub(RegistryActivities.class,
            summarised(BuildTimeouts.RESOLVE_IMAGES, "resolve " + request.images().size() + " images"))
        .resolveImages(new RegistryActivities.ResolveSpec(request.images(), request.platforms()));
    PreviousSnapshot previous = Workflow.newActivityStub(SnapshotActivities.class,
            summarised(BuildTimeouts.FIND_SNAPSHOT, "find the newest snapshot of " + request.name()))
        .findLatestSnapshot(request.region(), request.name());
    OptionalDouble measured = previous == null ? OptionalDouble.empty()
        : SnapshotContent.usedPerCompressedByte(previous.tags());
    VolumeSizing sizing = VolumeSizing.of(images, measured);
    Integer explicit = request.volumeSizeGiB();
    int size = explicit != null ? explicit : sizing.recommendedGiB();
    boolean upToDate = !request.force() && previous != null
        && SnapshotContent.hash(images).equals(previous.tags().get(SnapshotContent.CONTENT))
        && previous.encrypted() == request.encrypt()
        && (explicit == null || explicit == previous.volumeSizeGiB());
    return new Preflight(images, previous, sizing, size, upToDate, null);
  }

  /**
   * This preflight with the build instance type and its family looked up (DescribeInstanceTypes): builds from
   * the instance-fit change on, once they know they will launch.
   */
  Preflight withInstanceCapacity(BuildRequest request) {
    InstanceCapacity.Family looked = Workflow.newActivityStub(InstanceActivities.class,
            summarised(BuildTimeouts.DESCRIBE_INSTANCE_TYPE, "describe instance type " + request.instanceType()))
        .describeInstanceCapacity(request.region(), request.instanceType());
    return new Preflight(images, previous, sizing, volumeSizeGiB, upToDate, looked);
  }

  /**
   * The pulls' parallelism (unless {@code parallelismRequested}: see {@link PullSchedule#parallelism}) and the
   * volume's throughput and IOPS for this plan on this instance, costed for the build's estimated duration; and
   * the estimate, made with them.
   */
  Fitted fit(BuildRequest validated, boolean parallelismRequested) {
    return fit(validated, parallelismRequested, null);
  }

  /** As {@link #fit(BuildRequest, boolean)}; an incremental rebuild is estimated by what it is expected to pull. */
  Fitted fit(BuildRequest validated, boolean parallelismRequested, IncrementalRebuild incremental) {
    InstanceCapacity instance = capacity == null ? null : capacity.instance();
    BuildRequest request = parallelismRequested || instance == null ? validated
        : validated.withPullParallelism(PullSchedule.parallelism(images.size(), instance.vcpus(),
            instance.peakGbps() * 1e9 / 8));
    VolumePerformance chosen = VolumePerformance.choose(request, instance, sizing, images.size(), volumeSizeGiB);
    BuildRequest fitted = request.withVolumeSizeGiB(volumeSizeGiB)
        .withVolumePerformance(chosen.throughputMiBps(), chosen.iops());
    long compressed = VolumeSizing.distinctCompressedBytes(images);
    BuildTimeModel.Estimate estimate = incremental == null
        ? BuildTimeModel.estimate(fitted, instance, images, sizing.estimatedBytes(), volumeSizeGiB)
        : BuildTimeModel.incremental(fitted, instance, incremental.expectedPulls(),
            compressed == 0 ? 1 : (double) sizing.estimatedBytes() / compressed, volumeSizeGiB);
    return new Fitted(fitted, chosen.costedFor(estimate.total()),
        InstanceFit.warning(request, capacity, sizing, images.size()), estimate);
  }

  /** A request with the volume decided, why, what the instance cannot do, and how long the build should take. */
  record Fitted(BuildRequest request, VolumePerformance volume, String instanceWarning,
                BuildTimeModel.Estimate estimate) {}

  /** This preflight with the volume grown to at least {@code minimumGiB} (a volume from a snapshot of that size). */
  Preflight withVolumeSizeAtLeast(int minimumGiB) {
    return new Preflight(images, previous, sizing, Math.max(volumeSizeGiB, minimumGiB), upToDate, capacity);
  }

  boolean volumeTooSmall() {
    return volumeSizeGiB < sizing.requiredGiB();
  }

  /** The failure of a build whose {@code -s} cannot hold its images. */
  ApplicationFailure volumeTooSmallFailure() {
    return ApplicationFailure.newNonRetryableFailure("a " + volumeSizeGiB + " GiB volume cannot hold the images: "
        + "needs at least " + sizing.requiredGiB() + " GiB (" + sizing.basis() + "; " + sizing.recommendedGiB()
        + " GiB keeps a node under kubelet's 85% image-GC threshold)", BuildFailures.VOLUME_TOO_SMALL);
  }

  /** The failure of a build without {@code -s} whose images would need more than gp3's largest volume. */
  ApplicationFailure volumeTooLargeFailure() {
    return ApplicationFailure.newNonRetryableFailure("the images need a " + sizing.recommendedGiB()
        + " GiB volume; gp3 volumes are at most " + VolumeSizing.MAX_GIB + " GiB", BuildFailures.VOLUME_TOO_SMALL);
  }

  private static ActivityOptions summarised(ActivityOptions options, String summary) {
    return ActivityOptions.newBuilder(options).setSummary(summary).build();
  }
}

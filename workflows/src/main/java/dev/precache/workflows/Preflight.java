package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What a build and a plan work out before launching anything (workflow code): every image × platform from its
 * registry, the newest snapshot of the build name, the volume size, and whether that snapshot already holds
 * exactly these digests.
 *
 * @param images        every image × platform as resolved
 * @param previous      the newest completed snapshot of this name and region, or null
 * @param sizing        the volume estimate
 * @param volumeSizeGiB {@code -s}, or the recommended size
 * @param upToDate      {@code previous} holds the same content, is encrypted as asked (and, with {@code -s}, has
 *                      that size), and the request does not force a build
 */
record Preflight(List<ResolvedImage> images, PreviousSnapshot previous, VolumeSizing sizing, int volumeSizeGiB,
                 boolean upToDate) {

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
    return new Preflight(images, previous, sizing, size, upToDate);
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

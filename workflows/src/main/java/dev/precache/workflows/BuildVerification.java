package dev.precache.workflows;

import dev.precache.workflows.SnapshotContent.RecordedImage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * {@code build --verify}: once the snapshot has completed and the build's stack is gone, and before anything is
 * published, restores the snapshot on probes ({@link SnapshotProbes}) and checks every pulled image × platform. A
 * snapshot that fails fails the build (whose teardown deletes it: it carries the build's ID), so it is never
 * published.
 */
final class BuildVerification {

  /** The change that verifies by restoring before publishing; builds recorded before it never verify. */
  static final String VERIFY_BEFORE_PUBLISH = "verify-before-publish";
  private static final Logger log = Workflow.getLogger(BuildVerification.class);

  private BuildVerification() {}

  /**
   * Null when the request does not ask for it; else what the probes found, which passed.
   *
   * @param usage the build volume's use when it was snapshotted (what a node reads until its images are readable);
   *              null when not measured
   */
  static VerifyResult beforePublish(BuildRequest request, String snapshotId, List<CachedImage> images,
      VolumeUsage usage) {
    if (!request.verify()
        || Workflow.getVersion(VERIFY_BEFORE_PUBLISH, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return null;
    }
    Map<String, String> tags = new LinkedHashMap<>(SnapshotCompatibility.ofBuild(request.amiParameter()).tags());
    if (usage != null) {
      tags.put(SnapshotContent.VOLUME_USED_BYTES, Long.toString(usage.usedBytes()));
    }
    SnapshotDescription snapshot = new SnapshotDescription(snapshotId, "completed", request.volumeSizeGiB(),
        request.encrypt(), tags);
    List<RecordedImage> built = images.stream()
        .map(image -> new RecordedImage(image.image(), image.platform(), image.digest()))
        .toList();
    WorkflowInfo info = Workflow.getInfo();
    VerifyResult result = new SnapshotProbes(info.getWorkflowId(), info.getRunId(), phase -> log.info("verify {}", phase))
        .verify(request.region(), snapshot, built, request.volumeInitializationRateMiBps());
    if (!result.passed()) {
      throw ApplicationFailure.newNonRetryableFailure("verifying snapshot " + snapshotId + " failed: "
          + result.reason(), BuildFailures.VERIFICATION_FAILED);
    }
    log.info("verified {} on {} probe(s)", snapshotId, result.probes().size());
    return result;
  }
}

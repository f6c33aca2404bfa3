package dev.precache.it;

import static dev.precache.workflows.BuildSearchAttributes.BUILD_NAME;
import static dev.precache.workflows.BuildSearchAttributes.IMAGES;
import static dev.precache.workflows.BuildSearchAttributes.REGION;
import static dev.precache.workflows.BuildSearchAttributes.SNAPSHOT_ID;
import static dev.precache.workflows.BuildSearchAttributes.STATUS;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;

/**
 * Stands in for the real build so the harness can be proven on its own: it carries a build's search
 * attributes, waits on a durable timer for {@code buildTime} (the "pull"), and makes up a snapshot.
 */
public class FakeSnapshotBuildWorkflow implements SnapshotBuildWorkflow {
  private final Duration buildTime;
  private BuildProgress progress = new BuildProgress(null, List.of(), null, null, null, null, null, false);

  FakeSnapshotBuildWorkflow(Duration buildTime) {
    this.buildTime = buildTime;
  }

  /** A request the fake can build: the real defaults do not matter to it, the name does. */
  static BuildRequest request(String name, String region, List<String> images) {
    BuildRequest defaults = BuildRequest.of(region, images);
    return new BuildRequest(name, defaults.region(), defaults.images(), List.of("linux/amd64"),
        defaults.amiParameter(), defaults.instanceType(), defaults.encrypt(), defaults.kmsKeyId(),
        defaults.volumeSizeGiB(), defaults.instanceRole(), defaults.securityGroupId(), defaults.subnetId(),
        defaults.outputParameterName(), defaults.publicIp(), defaults.tags(), defaults.timeout(),
        defaults.pullParallelism(), defaults.volumeThroughputMiBps(), defaults.volumeIops());
  }

  @Override
  public BuildResult build(BuildRequest request) {
    String stackName = "precache-" + request.name();
    Workflow.upsertTypedSearchAttributes(
        STATUS.valueSet(Status.RUNNING.name()),
        REGION.valueSet(request.region()),
        IMAGES.valueSet(request.images()),
        BUILD_NAME.valueSet(request.name()));
    progress = new BuildProgress(BuildStep.PULL_IMAGES, List.of(), null, stackName, "i-fake", null, null, false);

    Workflow.sleep(buildTime);

    String snapshotId = "snap-" + Workflow.randomUUID().toString().replace("-", "").substring(0, 17);
    Workflow.upsertTypedSearchAttributes(SNAPSHOT_ID.valueSet(snapshotId), STATUS.valueSet(Status.SUCCEEDED.name()));
    progress = new BuildProgress(BuildStep.CLEANUP, List.of(), 100, stackName, "i-fake", snapshotId, null, true);
    List<CachedImage> images = request.images().stream()
        .map(image -> new CachedImage(image, "linux/amd64", "sha256:fake", 0))
        .toList();
    return new BuildResult(snapshotId, request.region(), 50, images, List.of(), stackName, "i-fake", null);
  }

  @Override
  public BuildProgress progress() {
    return progress;
  }
}

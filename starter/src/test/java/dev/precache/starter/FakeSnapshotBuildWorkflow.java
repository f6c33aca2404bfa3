package dev.precache.starter;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.ImagePull;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks the eight steps on timers and answers {@code progress()} as the real workflow does, so the CLI can be
 * tested against a real Temporal server without AWS. A build named {@code fail-pull} fails pulling its second
 * image; one named {@code slow} ticks four times slower.
 */
public class FakeSnapshotBuildWorkflow implements SnapshotBuildWorkflow {
  static final String SNAPSHOT_ID = "snap-0123456789abcdef0";
  static final String FAILING_NAME = "fail-pull";
  /** A build named so takes about ten seconds: long enough to be interrupted from another process. */
  static final String SLOW_NAME = "slow";
  /** A build named so pulls through {@link FlakyRegistry}, which fails the first attempts. */
  static final String FLAKY_NAME = "flaky";
  private final FlakyRegistry registry = Workflow.newActivityStub(FlakyRegistry.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10))
          .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1)).setBackoffCoefficient(1)
              .setMaximumAttempts(FlakyRegistry.FAILING_ATTEMPTS + 1).build())
          .build());
  private static final Duration TICK = Duration.ofMillis(150);
  private static final Duration SLOW_TICK = Duration.ofMillis(600);

  private BuildStep step;
  private final List<ImagePull> pulls = new ArrayList<>();
  private Integer snapshotPercent;
  private String snapshotId;
  private String failure;
  private boolean finished;

  private Duration tick = TICK;

  @Override
  public BuildResult build(BuildRequest request) {
    tick = SLOW_NAME.equals(request.name()) ? SLOW_TICK : TICK;
    for (String image : request.images()) {
      for (String platform : request.platforms()) {
        pulls.add(new ImagePull(image, platform, ImagePull.State.PENDING, null, null));
      }
    }
    for (BuildStep next : BuildStep.values()) {
      step = next;
      Workflow.sleep(tick);
      if (next == BuildStep.PULL_IMAGES) {
        pullAll(request);
      } else if (next == BuildStep.SNAPSHOT) {
        snapshotId = SNAPSHOT_ID;
        for (int percent = 0; percent <= 100; percent += 25) {
          snapshotPercent = percent;
          Workflow.sleep(tick);
        }
      }
    }
    finished = true;
    List<CachedImage> images = pulls.stream()
        .map(pull -> new CachedImage(pull.image(), pull.platform(), pull.digest(), 1024)).toList();
    return new BuildResult(SNAPSHOT_ID, request.region(), java.util.Objects.requireNonNullElse(request.volumeSizeGiB(), 50),
        images, List.of(), "precache-stack", "i-0abc", request.outputParameterName(), false, null, null);
  }

  private void pullAll(BuildRequest request) {
    for (int i = 0; i < pulls.size(); i++) {
      ImagePull pull = pulls.get(i);
      if (request.name().equals(FAILING_NAME) && i == 1) {
        failure = "pull access denied for " + pull.image();
        pulls.set(i, new ImagePull(pull.image(), pull.platform(), ImagePull.State.FAILED, null, failure));
        finished = true;
        throw ApplicationFailure.newNonRetryableFailure(failure, BuildFailures.IMAGE_NOT_FOUND);
      }
      if (request.name().equals(FLAKY_NAME)) {
        pulls.set(i, new ImagePull(pull.image(), pull.platform(), ImagePull.State.PULLING, null, null));
        registry.pull(pull.image());
      }
      pulls.set(i, new ImagePull(pull.image(), pull.platform(), ImagePull.State.DONE, digestOf(i), null));
      Workflow.sleep(tick);
    }
  }

  static String digestOf(int pullIndex) {
    return "sha256:" + String.valueOf(pullIndex).repeat(64);
  }

  @Override
  public BuildProgress progress() {
    return new BuildProgress(step, List.copyOf(pulls), snapshotPercent, "precache-stack", "i-0abc", snapshotId,
        failure, finished, null, null, null);
  }
}

package dev.precache.workflows;

import dev.precache.workflows.InstanceActivities.CheckedImage;
import dev.precache.workflows.InstanceActivities.ImageCheck;
import dev.precache.workflows.InstanceActivities.ImageCheckSpec;
import dev.precache.workflows.InstanceActivities.ReadSample;
import dev.precache.workflows.InstanceActivities.ReadSampleSpec;
import dev.precache.workflows.SnapshotContent.RecordedImage;
import dev.precache.workflows.StackActivities.StackOutputs;
import dev.precache.workflows.StackActivities.StackSpec;
import dev.precache.workflows.VerifyResult.Probe;
import dev.precache.workflows.VerifyResult.VerifiedImage;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restores a snapshot onto one probe instance per architecture it records, in parallel, and checks each recorded
 * image × platform on the probe of its architecture ({@code ctr images check} reads only the host's platform).
 * Each probe's stack is deleted however the probe ends, in a detached scope, as a build's is; a probe whose deploy
 * ended without its stack deletes it again once no deploy attempt can create it ({@link
 * BuildTimeouts#STACK_CREATION_FENCE}). Workflow code: used by {@link VerifySnapshotWorkflowImpl} and by builds
 * with {@code --verify} ({@link BuildVerification}).
 */
final class SnapshotProbes {

  /** The cheapest type per architecture that runs Bottlerocket with its admin container: 2 vCPUs / 1 vCPU. */
  static final Map<String, String> PROBE_INSTANCE_TYPES =
      Map.of("linux/amd64", "m5.large", "linux/arm64", "m6g.medium");
  /** Tags a probe's stack with the snapshot it restores, for whoever looks for leftovers. */
  static final String VERIFIES_TAG = "precache:verifies";
  private static final String PINNED_LABEL = "io.cri-containerd.pinned=pinned";
  /** Probes read part of the restored volume to measure how fast a new node reads its images. */
  static final String READ_SAMPLE_CHANGE = "verify-read-sample";
  /**
   * How much a probe reads: 256 MiB takes about 37 s at the lazy fetch rate (FIGURES.md, EBS: 5–9 MB/s), long
   * enough to average out, short enough to keep a verify in minutes.
   */
  static final long SAMPLE_BYTES = 256L << 20;

  private final String workflowId;
  private final String runId;
  private final Consumer<String> phase;

  /** @param phase told what each probe is doing as it advances */
  SnapshotProbes(String workflowId, String runId, Consumer<String> phase) {
    this.workflowId = workflowId;
    this.runId = runId;
    this.phase = phase;
  }

  /**
   * Every entry of {@code recorded} checked on the probe of its platform; a probe's failure is thrown after all ended.
   *
   * @param initializationRateMiBps the provisioned initialization rate the probes' volumes are created with, as the
   *                                nodes' would be; null: lazily, block by block on first read
   */
  VerifyResult verify(String region, SnapshotDescription snapshot, List<RecordedImage> recorded,
      Integer initializationRateMiBps) {
    Map<String, List<RecordedImage>> byPlatform = new LinkedHashMap<>();
    recorded.forEach(image -> byPlatform.computeIfAbsent(image.platform(), p -> new ArrayList<>()).add(image));
    List<String> unprobeable = byPlatform.keySet().stream().filter(p -> !PROBE_INSTANCE_TYPES.containsKey(p)).toList();
    if (recorded.isEmpty() || !unprobeable.isEmpty()) {
      String reason = recorded.isEmpty() ? "the snapshot records no images (precache:images:* tags)"
          : "no probe for platform " + String.join(", ", unprobeable) + " (only linux/amd64 and linux/arm64)";
      return new VerifyResult(snapshot.snapshotId(), region, false, reason, List.of(), List.of());
    }
    List<Promise<ProbeOutcome>> outcomes = new ArrayList<>();
    byPlatform.forEach((platform, images) ->
        outcomes.add(Async.function(() -> probe(region, snapshot, platform, images, initializationRateMiBps))));
    // A failed probe does not cancel the other, which ends within minutes: every probe ends, and so tears down,
    // before the first failure is thrown.
    Promise.allOf(outcomes.stream().map(outcome -> outcome.handle((value, failure) -> value)).toList()).get();
    List<VerifiedImage> images = new ArrayList<>();
    List<Probe> probes = new ArrayList<>();
    for (Promise<ProbeOutcome> outcome : outcomes) {
      images.addAll(outcome.get().images());
      probes.add(outcome.get().probe());
    }
    List<String> problems = images.stream().map(VerifiedImage::problem).filter(p -> p != null).toList();
    return new VerifyResult(snapshot.snapshotId(), region, problems.isEmpty(),
        problems.isEmpty() ? null : String.join("; ", problems), images, probes);
  }

  private record ProbeOutcome(List<VerifiedImage> images, Probe probe) {}

  private ProbeOutcome probe(String region, SnapshotDescription snapshot, String platform,
      List<RecordedImage> images, Integer initializationRateMiBps) {
    String architecture = platform.substring(platform.indexOf('/') + 1);
    BuildIdentity identity = BuildIdentity.ofProbe(workflowId, runId, architecture);
    String stackName = identity.stackName();
    String instanceType = PROBE_INSTANCE_TYPES.get(platform);
    BuildRequest stackRequest = stackRequest(region, snapshot, platform, instanceType, architecture);
    Long deployEndedWithoutStackAt = null;
    try {
      tell(platform, "deploying " + stackName + " (" + instanceType + ") with " + snapshot.snapshotId() + " on /dev/xvdb");
      String profile = Workflow.newActivityStub(BuilderActivities.class, options(BuildTimeouts.DEPLOY_STACK,
          "ensure " + BuilderActivities.STACK_NAME + " in " + region)).ensureBuilderStack(region).instanceProfileName();
      StackOutputs stack;
      try {
        stack = stacks(abandoned(BuildTimeouts.DEPLOY_STACK), "deploy probe " + stackName)
            .deployStack(new StackSpec(identity, stackRequest, profile, snapshot.snapshotId(), initializationRateMiBps));
      } catch (TemporalFailure deployFailure) {
        deployEndedWithoutStackAt = Workflow.currentTimeMillis();
        throw deployFailure;
      }
      String instanceId = stack.instanceId();
      tell(platform, "waiting for SSM on " + instanceId);
      instance(abandoned(BuildTimeouts.AWAIT_SSM), "wait for SSM on probe " + instanceId)
          .awaitSsmOnline(region, instanceId);
      tell(platform, "checking " + images.size() + " image(s) on " + instanceId);
      List<String> names = images.stream().map(RecordedImage::image).distinct().toList();
      ImageCheck check = instance(abandoned(BuildTimeouts.RUN_COMMAND),
          "check " + names.size() + " images on probe " + instanceId)
          .checkImages(new ImageCheckSpec(region, instanceId, names));
      List<VerifiedImage> verified = images.stream().map(image -> verified(image, check.images())).toList();
      long imageBytes = SnapshotContent.volumeUsedBytes(snapshot.tags())
          .orElse((long) snapshot.volumeSizeGiB() << 30);
      ReadSample sample = new ReadSample(0, 0);
      if (Workflow.getVersion(READ_SAMPLE_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
        long sampleBytes = Math.min(SAMPLE_BYTES, imageBytes);
        tell(platform, "checked in " + check.executedMillis() + " ms; reading " + (sampleBytes >> 20)
            + " MiB of the restored volume");
        sample = instance(abandoned(BuildTimeouts.RUN_COMMAND), "read " + (sampleBytes >> 20) + " MiB on probe "
            + instanceId).readSample(new ReadSampleSpec(region, instanceId, sampleBytes));
      }
      long untilReadable = sample.bytes() <= 0 ? 0
          : (long) Math.ceil((double) imageBytes * sample.executedMillis() / sample.bytes());
      tell(platform, "done; deleting " + stackName);
      return new ProbeOutcome(verified, new Probe(platform, instanceType, stackName, instanceId, check.executedMillis(),
          initializationRateMiBps, sample.bytes(), sample.executedMillis(), imageBytes, untilReadable));
    } finally {
      tearDown(region, stackName, deployEndedWithoutStackAt);
    }
  }

  /** The probe's stack: the snapshot's variant (without NVIDIA: no GPU needed to read a volume), size and encryption. */
  private static BuildRequest stackRequest(String region, SnapshotDescription snapshot, String platform,
      String instanceType, String architecture) {
    SnapshotCompatibility built = SnapshotCompatibility.fromTags(snapshot.tags());
    String variant = SnapshotCompatibility.withoutNvidia(
        built.variant() == null ? SnapshotCompatibility.DEFAULT_VARIANT : built.variant());
    String amiParameter = "/aws/service/bottlerocket/" + variant + "/"
        + (architecture.equals("arm64") ? "arm64" : "x86_64") + "/latest/image_id";
    return new BuildRequest("verify-" + architecture, region, List.of(), List.of(platform), amiParameter, instanceType,
        snapshot.encrypted(), null, snapshot.volumeSizeGiB(), null, null, null, null, true,
        Map.of(VERIFIES_TAG, snapshot.snapshotId()), null, null, null, null);
  }

  private static VerifiedImage verified(RecordedImage image, List<CheckedImage> checked) {
    CheckedImage found = checked.stream().filter(row -> row.ref().equals(image.image())).findFirst().orElse(null);
    if (found == null) {
      return new VerifiedImage(image.image(), image.platform(), image.digest(), null, "not found", false, false);
    }
    boolean complete = found.status().startsWith("complete") && found.unpacked();
    return new VerifiedImage(image.image(), image.platform(), image.digest(), found.digest(),
        found.status() + (found.unpacked() ? "" : ", not unpacked"), complete, found.labels().contains(PINNED_LABEL));
  }

  /** Deletes the probe's stack, also when the probe was cancelled or timed out, and again after a failed deploy. */
  private void tearDown(String region, String stackName, Long deployEndedWithoutStackAt) {
    Workflow.newDetachedCancellationScope(() -> {
      stacks(BuildTimeouts.TEARDOWN, "delete probe stack " + stackName).deleteStack(region, stackName);
      if (deployEndedWithoutStackAt != null) {
        long remaining = deployEndedWithoutStackAt + BuildTimeouts.STACK_CREATION_FENCE.toMillis()
            - Workflow.currentTimeMillis();
        if (remaining > 0) {
          Workflow.newTimer(Duration.ofMillis(remaining),
              TimerOptions.newBuilder().setSummary("until no deploy attempt can create the probe").build()).get();
        }
        stacks(BuildTimeouts.TEARDOWN, "delete probe stack " + stackName + " if a late attempt made it")
            .deleteStack(region, stackName);
      }
    }).run();
  }

  private void tell(String platform, String what) {
    phase.accept("probe " + platform + ": " + what);
  }

  /**
   * A probe's deploy, SSM wait and check are abandoned, not waited for, when cancelled: the test server (tests,
   * --dev) hangs on a cancel racing an activity's completion (sdk-java#2391). The teardown's fence covers a deploy
   * attempt still running.
   */
  private static ActivityOptions abandoned(ActivityOptions options) {
    return ActivityOptions.newBuilder(options).setCancellationType(ActivityCancellationType.ABANDON).build();
  }

  private static StackActivities stacks(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(StackActivities.class, options(options, summary));
  }

  private static InstanceActivities instance(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(InstanceActivities.class, options(options, summary));
  }

  private static ActivityOptions options(ActivityOptions options, String summary) {
    return ActivityOptions.newBuilder(options).setSummary(summary).build();
  }
}

package dev.precache.workflows;

import static dev.precache.workflows.BuildActivityStubs.instance;
import static dev.precache.workflows.BuildActivityStubs.snapshots;
import static dev.precache.workflows.BuildActivityStubs.stack;
import static dev.precache.workflows.BuildSearchAttributes.BUILD_NAME;
import static dev.precache.workflows.BuildSearchAttributes.IMAGES;
import static dev.precache.workflows.BuildSearchAttributes.REGION;
import static dev.precache.workflows.BuildSearchAttributes.SNAPSHOT_ID;
import static dev.precache.workflows.BuildSearchAttributes.STATUS;

import dev.precache.workflows.BuildMetrics.Outcome;
import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.InstanceActivities.ResolvedVerifySpec;
import dev.precache.workflows.InstanceActivities.VerifiedVolume;
import dev.precache.workflows.InstanceActivities.VerifySpec;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import dev.precache.workflows.StackActivities.StackOutputs;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Functions;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The nine steps of a build (the first resolves images and may find the build up to date), with a teardown that runs exactly once however the build ends, and a deadline.
 * Retries of transient errors happen inside each activity call (see {@link BuildTimeouts}); a failure that
 * reaches this class is final.
 */
public class SnapshotBuildWorkflowImpl implements SnapshotBuildWorkflow {

  private static final Logger log = Workflow.getLogger(SnapshotBuildWorkflowImpl.class);
  /** The change that made resolving images the first step: builds recorded before it replay without it. */
  static final String RESOLVE_FIRST = "resolve-images-first";
  /**
   * The change that validates AWS's input rules ({@link BuildRequestValidator#normalize(BuildRequest, boolean)})
   * and indexes images by key when the whole list passes Temporal's 2 KiB ({@link ImageIndex}).
   */
  static final String INPUT_LIMITS = "input-limits";
  /** Builds from here on look the instance type up and choose the volume's throughput and IOPS for the job. */
  static final String INSTANCE_FIT = "instance-fit";
  /** snapshot.sh cuts the image list in the snapshot description to this length. */
  private static final int DESCRIPTION_MAX = 200;
  /**
   * The change that deletes the stack while the snapshot completes, instead of after it: EBS takes the snapshot
   * at the point in time it is requested, and deleting its volume does not affect it (see {@link #snapshotVolume}).
   */
  static final String TEARDOWN_DURING_SNAPSHOT = "teardown-during-snapshot";
  /** The change that starts the largest pulls first and, unless the request says, sizes parallelism by the plan. */
  static final String PULL_SCHEDULE = "pull-schedule";
  /** The change that launches build instances with the region's builder stack's instance profile. */
  static final String BUILDER_STACK = "builder-stack";
  /** The change that stops kubelet and removes the cached images in one command (a build that is not incremental). */
  static final String ONE_PREPARE_COMMAND = "one-prepare-command";
  /**
   * The change that launches the build instance with containerd's transfer service tuned ({@link PullTuning}) and
   * sends every pull through it: more downloads, layers in parallel chunks, each unpacked as it arrives.
   */
  static final String TUNED_TRANSFER_SERVICE = "tuned-transfer-service";
  /** The change that, on AMIs with containerd 2.2, also has the tuned transfer service unpack layers in parallel. */
  static final String PARALLEL_UNPACK = "parallel-unpack";

  private BuildStep step;
  private ImagePulls pulls;
  private Integer snapshotPercent;
  private String stackName;
  private String instanceId;
  private String snapshotId;
  private boolean snapshotRequested;
  private Preflight preflight;
  private VolumeSizing sizing;
  private Integer volumeSizeGiB;
  private VolumeUsage volumeUsage;
  private VolumePerformance volumePerformance;
  private String instanceWarning;
  private RestoreTimeModel.Estimate restore;
  /** The previous snapshot this build's volume starts from ({@link IncrementalRebuild#CHANGE}); null from scratch. */
  private IncrementalRebuild incremental;
  /** How the build instance's transfer service is set up ({@link #TUNED_TRANSFER_SERVICE}); null: containerd's own. */
  private PullTuning pullTuning;
  private String failure;
  private boolean finished;
  private BuildMetrics metrics;
  /** The stack's teardown, registered before the stack is asked for. */
  private BuildTeardown teardown;
  /** FSR, the published tag, -op and the copies, once the snapshot has completed. */
  private final SnapshotPublishing publishing = new SnapshotPublishing();

  private final List<StepTiming> timings = new ArrayList<>();
  private boolean deadlinePassed;
  /** Whether the request chose the pull parallelism; validation fills in the legacy default when it did not. */
  private boolean parallelismRequested;
  /** Whether pulls start largest first, as many as the plan chose unless the request said ({@link #PULL_SCHEDULE}). */
  private boolean pullsScheduled;

  @Override
  public BuildResult build(BuildRequest input) {
    // Before anything else: builds started before the change replay with the rules and attributes they ran with.
    boolean inputLimits = Workflow.getVersion(INPUT_LIMITS, Workflow.DEFAULT_VERSION, 1) >= 1;
    BuildRequest request = validated(input, inputLimits);
    metrics = BuildMetrics.forBuild(request.region());
    metrics.started();
    BuildLogContext.build(request.name());
    parallelismRequested = input.pullParallelism() != null;
    WorkflowInfo info = Workflow.getInfo();
    BuildIdentity identity = BuildIdentity.of(info.getWorkflowId(), info.getRunId(), request.name());
    stackName = identity.stackName();
    teardown = new BuildTeardown(stackName, metrics);
    pulls = new ImagePulls(request);
    List<String> imageIndex = inputLimits ? ImageIndex.of(request.images()) : request.images();
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet(Status.RUNNING.name()), REGION.valueSet(request.region()),
        IMAGES.valueSet(imageIndex), BUILD_NAME.valueSet(request.name()));

    // The teardown is registered here, before the stack is deployed: every way out of the steps below runs it.
    // The snapshot's compensation is registered in snapshotVolume, before createSnapshot.
    try {
      BuildResult built = withinDeadline(request.timeout(), () -> runSteps(request, identity));
      if (publishing.publishedTo() != null && CancellationScope.current().isCancelRequested()) {
        // Temporal records a run asked to cancel as cancelled whatever it returns: say what the cancel found.
        failure = "cancel arrived after " + snapshotId + " was published to " + publishing.publishedTo()
            + "; nothing was undone";
        log.info("{}", failure);
        BuildOutcome.setStatus(Status.CANCELLED);
        metrics.finished(Outcome.CANCELLED, BuildMetrics.NO_FAILURE);
        return built;
      }
      BuildResult result = RetentionAfterBuild.applied(request, built);
      BuildOutcome.setStatus(Status.SUCCEEDED);
      metrics.finished(Outcome.SUCCEEDED, BuildMetrics.NO_FAILURE);
      if (result.upToDate()) {
        metrics.upToDate();
      }
      return result;
    } catch (TemporalFailure stepFailure) {
      tearDownAfterFailure(request, identity);
      BuildOutcome.Concluded concluded = BuildOutcome.concluded(stepFailure, step, request.timeout(), deadlinePassed,
          metrics);
      failure = concluded.message();
      throw concluded.failure();
    } finally {
      finished = true;
    }
  }

  private BuildResult runSteps(BuildRequest validated, BuildIdentity identity) {
    boolean resolveFirst = Workflow.getVersion(RESOLVE_FIRST, Workflow.DEFAULT_VERSION, 1) >= 1;
    BuildRequest request;
    if (resolveFirst) {
      boolean instanceFit = Workflow.getVersion(INSTANCE_FIT, Workflow.DEFAULT_VERSION, 1) >= 1;
      pullsScheduled = instanceFit && Workflow.getVersion(PULL_SCHEDULE, Workflow.DEFAULT_VERSION, 1) >= 1;
      preflight = step(BuildStep.RESOLVE_IMAGES, () -> {
        Preflight checked = checkedPreflight(validated);
        return instanceFit && !checked.upToDate() ? checked.withInstanceCapacity(validated) : checked;
      });
      sizing = preflight.sizing();
      BuildRequest sized = validated.withVolumeSizeGiB(preflight.volumeSizeGiB());
      volumeSizeGiB = sized.volumeSizeGiB();
      if (preflight.upToDate()) {
        return upToDate(sized);
      }
      incremental = instanceFit ? IncrementalRebuild.choose(validated, preflight) : null;
      if (incremental != null) {
        preflight = preflight.withVolumeSizeAtLeast(incremental.parentVolumeSizeGiB());
        volumeSizeGiB = preflight.volumeSizeGiB();
      }
      request = instanceFit ? fitted(validated) : sized;
      if (instanceFit && preflight.capacity() != null
          && Workflow.getVersion(TUNED_TRANSFER_SERVICE, Workflow.DEFAULT_VERSION, 1) >= 1) {
        InstanceCapacity instance = preflight.capacity().instance();
        pullTuning = PullTuning.forInstance(instance, request.pullParallelism());
        if (Workflow.getVersion(PARALLEL_UNPACK, Workflow.DEFAULT_VERSION, 1) >= 1) {
          pullTuning = pullTuning.withUnpacksFor(instance, request.amiParameter(), preflight.images());
        }
      }
    } else {
      // Builds started before images were resolved: snapshot.sh's default size, no resolve step.
      request = validated.volumeSizeGiB() != null ? validated
          : validated.withVolumeSizeGiB(BuildRequestValidator.LEGACY_VOLUME_SIZE_GIB);
      volumeSizeGiB = request.volumeSizeGiB();
    }
    String region = request.region();
    teardown.stackRequested();
    StackOutputs stack = step(BuildStep.DEPLOY_STACK, () -> deployStack(request, identity));
    instanceId = stack.instanceId();

    step(BuildStep.AWAIT_SSM, () ->
        instance(BuildTimeouts.AWAIT_SSM, "wait for SSM on " + instanceId).awaitSsmOnline(region, instanceId));

    step(BuildStep.PREPARE_CONTAINERD, () -> {
      if (incremental != null) {
        instance(BuildTimeouts.RUN_COMMAND, "stop kubelet on " + instanceId).stopKubelet(region, instanceId);
        incremental.prepare(region, instanceId, BuildTimeouts.RUN_COMMAND);
      } else if (Workflow.getVersion(ONE_PREPARE_COMMAND, Workflow.DEFAULT_VERSION, 1) >= 1) {
        instance(BuildTimeouts.RUN_COMMAND, "stop kubelet and remove cached images on " + instanceId)
            .stopKubeletAndRemoveImages(region, instanceId);
      } else {
        instance(BuildTimeouts.RUN_COMMAND, "stop kubelet on " + instanceId).stopKubelet(region, instanceId);
        instance(BuildTimeouts.RUN_COMMAND, "remove cached images on " + instanceId).removeCachedImages(region, instanceId);
      }
    });

    step(BuildStep.PULL_IMAGES, () -> pulls.pullAll(request, identity, instanceId, preflight, pullsScheduled,
        parallelismRequested, pullTuning, metrics));

    List<CachedImage> images = step(BuildStep.VERIFY_IMAGES, () -> {
      InstanceActivities verifier = instance(BuildTimeouts.RUN_COMMAND,
          "verify " + pulls.size() + " images on " + instanceId);
      if (preflight == null) {
        return verifier.verifyCachedImages(new VerifySpec(region, instanceId, request.images(), request.platforms()));
      }
      VerifiedVolume verified = verifier.verifyResolvedImages(
          new ResolvedVerifySpec(region, instanceId, preflight.images()));
      volumeUsage = verified.usage();
      if (incremental != null) {
        incremental.measured(volumeUsage);
      }
      return verified.images();
    });

    step(BuildStep.STOP_INSTANCE, () ->
        instance(BuildTimeouts.STOP_INSTANCE, "stop " + instanceId).stopInstance(region, instanceId));

    step(BuildStep.SNAPSHOT, () -> snapshotVolume(request, identity));

    // Deleting the stack began while the snapshot completed (TEARDOWN_DURING_SNAPSHOT): here it is waited for.
    boolean fastRestore = SnapshotPublishing.fastRestore(request);
    // With --verify, a snapshot that does not restore as built fails the build here, before it is published.
    String publishedParameter = step(BuildStep.CLEANUP, () -> {
      teardown.run(region, identity);
      BuildVerification.beforePublish(request, snapshotId, images, volumeUsage);
      if (fastRestore) {
        publishing.enableFastRestore(request, snapshotId);
      }
      boolean pointOfNoReturn = publishing.mayBegin(snapshotId);
      publishing.markPublished(region, snapshotId);
      String published = publishing.publish(request, snapshotId, pointOfNoReturn);
      if (fastRestore) {
        publishing.disableSupersededFastRestore(request, preflight, snapshotId);
      }
      return published;
    });

    return new BuildResult(snapshotId, region, request.volumeSizeGiB(), images, List.copyOf(timings), stackName,
        instanceId, publishedParameter, false, sizing, volumeUsage, volumePerformance, instanceWarning,
        incremental == null ? null : incremental.report())
        .withCopies(publishing.copied(request, identity, snapshotId));
  }

  /** The request with its pulls' parallelism and the volume's throughput and IOPS chosen for this instance. */
  private BuildRequest fitted(BuildRequest validated) {
    Preflight.Fitted fitted = preflight.fit(validated, parallelismRequested || !pullsScheduled, incremental);
    volumePerformance = fitted.volume();
    instanceWarning = fitted.instanceWarning();
    restore = RestoreTimeModel.forRequest(validated, preflight.sizing(), preflight.volumeSizeGiB(), volumePerformance);
    log.info("volume: {}", volumePerformance.summary(preflight.volumeSizeGiB()));
    if (instanceWarning != null) {
      log.warn("{}", instanceWarning);
    }
    return fitted.request();
  }

  /** Resolves, and refuses a volume that cannot hold the images, before anything is launched. */
  private static Preflight checkedPreflight(BuildRequest request) {
    Preflight preflight = Preflight.run(request);
    if (request.volumeSizeGiB() != null && preflight.volumeTooSmall()) {
      throw preflight.volumeTooSmallFailure();
    }
    if (preflight.volumeSizeGiB() > VolumeSizing.MAX_GIB) {
      throw preflight.volumeTooLargeFailure();
    }
    log.info("volume: {} GiB ({})", preflight.volumeSizeGiB(), preflight.sizing().basis());
    return preflight;
  }

  /** The newest snapshot of this name already holds these digests: it is the product; nothing is launched. */
  private BuildResult upToDate(BuildRequest request) {
    PreviousSnapshot previous = preflight.previous();
    snapshotId = previous.snapshotId();
    volumeSizeGiB = previous.volumeSizeGiB();
    Workflow.upsertTypedSearchAttributes(SNAPSHOT_ID.valueSet(snapshotId));
    log.info("up to date: {} already holds these {} image(s)", snapshotId, preflight.images().size());
    List<CachedImage> images = preflight.images().stream()
        .map(image -> new CachedImage(image.image(), image.platform(), image.digest(), image.compressedBytes()))
        .toList();
    pulls.allAlreadyThere(preflight);
    String publishedParameter = publishing.publish(request, snapshotId, publishing.mayBegin(snapshotId));
    return new BuildResult(snapshotId, request.region(), previous.volumeSizeGiB(), images, List.copyOf(timings),
        null, null, publishedParameter, true, sizing, null);
  }

  private StackOutputs deployStack(BuildRequest request, BuildIdentity identity) {
    // Outside the try below: no build stack is asked for before the builder stack is up, so nothing to fence off.
    String instanceProfile = BuilderStackUse.instanceProfile(request);
    try {
      return stack(BuildTimeouts.DEPLOY_STACK, "deploy stack " + stackName)
          .deployStack(new StackSpec(identity, request, instanceProfile,
              incremental == null ? null : incremental.parentSnapshotId()).withPullTuning(pullTuning));
    } catch (TemporalFailure deployFailure) {
      teardown.deployEndedWithoutStack();
      throw deployFailure;
    }
  }

  @Override
  public BuildProgress progress() {
    return new BuildProgress(step, pulls == null ? List.of() : pulls.all(), snapshotPercent, stackName, instanceId, snapshotId, failure,
        finished, volumeSizeGiB, sizing, volumeUsage, volumePerformance, instanceWarning, restore,
        incremental == null ? null : incremental.report());
  }

  private BuildRequest validated(BuildRequest input, boolean awsInputRules) {
    try {
      return BuildRequestValidator.normalize(input, awsInputRules);
    } catch (InvalidRequestException invalid) {
      failure = invalid.getMessage();
      finished = true;
      BuildOutcome.setStatus(Status.FAILED);
      // Its region may be anything: not a label.
      BuildMetrics unknownRegion = BuildMetrics.forBuild("unknown");
      unknownRegion.started();
      unknownRegion.finished(Outcome.FAILED, BuildFailures.INVALID_REQUEST);
      throw ApplicationFailure.newNonRetryableFailure(invalid.getMessage(), BuildFailures.INVALID_REQUEST);
    }
  }

  /** Runs {@code steps}, cancelling them when {@code timeout} has passed. */
  private BuildResult withinDeadline(Duration timeout, Functions.Func<BuildResult> steps) {
    CompletablePromise<BuildResult> result = Workflow.newPromise();
    CancellationScope stepsScope = Workflow.newCancellationScope(() -> result.complete(steps.apply()));
    CancellationScope deadline = Workflow.newCancellationScope(() ->
        Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary("build deadline").build())
            .thenApply(fired -> {
              deadlinePassed = true;
              stepsScope.cancel("build deadline of " + BuildOutcome.human(timeout) + " passed");
              return fired;
            }));
    deadline.run();
    try {
      stepsScope.run();
      return result.get();
    } finally {
      deadline.cancel();
    }
  }

  private void step(BuildStep next, Functions.Proc work) {
    step(next, () -> {
      work.apply();
      return null;
    });
  }

  private <T> T step(BuildStep next, Functions.Func<T> work) {
    step = next;
    BuildLogContext.step(BuildMetrics.label(next));
    log.info("[{}/{}] {}", next.number(), BuildStep.total(), next.title());
    long start = Workflow.currentTimeMillis();
    T result = work.apply();
    long took = Workflow.currentTimeMillis() - start;
    timings.add(new StepTiming(next.number(), next.title(), took));
    metrics.stepCompleted(next, Duration.ofMillis(took));
    return result;
  }

  private void snapshotVolume(BuildRequest request, BuildIdentity identity) {
    String region = request.region();
    snapshotRequested = true;
    Map<String, String> tags = request.tags();
    if (preflight != null) {
      Map<String, String> lineage = incremental == null ? Map.of() : incremental.tags();
      tags = new LinkedHashMap<>(request.tags());
      // Places for what is tagged later (FSR or retention), and for a copy's source tag (SnapshotLifecycle).
      int laterTags = SnapshotLifecycle.LATER_TAGS + (request.copies().isEmpty() ? 0 : 1);
      tags.putAll(SnapshotContent.tags(request.name(), preflight.images(), volumeUsage,
          request.tags().size() + laterTags + lineage.size()));
      tags.putAll(lineage);
      tags.putAll(SnapshotCompatibility.ofBuild(request.amiParameter()).tags());
    }
    SnapshotSpec spec = new SnapshotSpec(region, instanceId, identity, description(request), tags);
    snapshotId = snapshots(BuildTimeouts.CREATE_SNAPSHOT, "snapshot /dev/xvdb of " + instanceId).createSnapshot(spec);
    snapshotPercent = 0;
    Workflow.upsertTypedSearchAttributes(SNAPSHOT_ID.valueSet(snapshotId));
    if (Workflow.getVersion(TEARDOWN_DURING_SNAPSHOT, Workflow.DEFAULT_VERSION, 1) >= 1) {
      // "The snapshot is created immediately, but it remains in the pending state until all of data has been
      // transferred to Amazon S3 ... The snapshot includes only the data that was written to the volume at the
      // time the snapshot was requested" (EBS User Guide, "Create Amazon EBS snapshots"), and "Deleting a volume
      // has no effect on the snapshots made from it" (EBS User Guide, "Delete an Amazon EBS snapshot"): the
      // instance and its volume go while the snapshot completes.
      teardown.start(region, identity);
    }
    SnapshotStatus status;
    do {
      status = snapshots(BuildTimeouts.AWAIT_SNAPSHOT, "wait for " + snapshotId + " at " + snapshotPercent + "%")
          .awaitSnapshotCompleted(region, snapshotId);
      snapshotPercent = status.percent();
    } while (!status.completed());
    if (volumeUsage != null) {
      metrics.snapshotCompleted(volumeUsage.usedBytes());
    }
  }

  private static String description(BuildRequest request) {
    String description = "precache " + request.name() + ": " + String.join(",", request.images());
    return description.length() > DESCRIPTION_MAX ? description.substring(0, DESCRIPTION_MAX) : description;
  }

  /**
   * The build already failed: tears down, and, once snapshotting began, deletes every snapshot tagged with the
   * build's ID, so that none that looks like a product is left. That runs after the stack is gone: with the
   * volume deleted, no createSnapshot attempt still in flight can add one after the lookup. A teardown failure
   * is logged and must not hide why the build failed.
   */
  private void tearDownAfterFailure(BuildRequest request, BuildIdentity identity) {
    String region = request.region();
    List<TemporalFailure> failures = new ArrayList<>();
    try {
      teardown.run(region, identity);
    } catch (TemporalFailure teardownFailure) {
      failures.add(teardownFailure);
    }
    if (publishing.markedPublished()) {
      log.warn("kept snapshot {}: it was tagged published before the build failed; retention removes it", snapshotId);
    } else if (snapshotRequested) {
      int failedBefore = failures.size();
      Workflow.newDetachedCancellationScope(() -> teardown.attempt(failures, () ->
          snapshots(BuildTimeouts.TEARDOWN, "delete snapshots of build " + identity.buildId())
              .deleteBuildSnapshots(region, identity))).run();
      if (failures.size() == failedBefore && snapshotId != null) {
        // The snapshot is gone: neither progress() nor a search for builds may point at it any more.
        log.info("deleted snapshot {} of the failed build", snapshotId);
        snapshotId = null;
        snapshotPercent = null;
        Workflow.upsertTypedSearchAttributes(SNAPSHOT_ID.valueUnset());
      }
    }
    publishing.deleteCopies(request, identity, failures);
    if (!failures.isEmpty()) {
      log.error("teardown after a failed build did not complete; stack {} or snapshots tagged {} may be left behind",
          stackName, identity.buildId());
    }
  }
}

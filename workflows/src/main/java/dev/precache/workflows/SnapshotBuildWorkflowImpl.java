package dev.precache.workflows;

import static dev.precache.workflows.BuildSearchAttributes.BUILD_NAME;
import static dev.precache.workflows.BuildSearchAttributes.IMAGES;
import static dev.precache.workflows.BuildSearchAttributes.REGION;
import static dev.precache.workflows.BuildSearchAttributes.SNAPSHOT_ID;
import static dev.precache.workflows.BuildSearchAttributes.STATUS;

import dev.precache.workflows.BuildMetrics.Outcome;
import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.ImagePull.State;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.InstanceActivities.ResolvedVerifySpec;
import dev.precache.workflows.InstanceActivities.VerifiedVolume;
import dev.precache.workflows.InstanceActivities.VerifySpec;
import dev.precache.workflows.SnapshotActivities.FastRestoreStatus;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import dev.precache.workflows.StackActivities.StackOutputs;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import io.temporal.workflow.WorkflowSemaphore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
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
  /** Not TRY_CANCEL: the test server (tests, --dev) hangs on a cancel racing a pull's failure: sdk-java#2391. */
  /** Teardown waits out deploy attempts that may still create the stack: see {@link #fenceOffLateStackCreation}. */
  private static final String STACK_CREATION_FENCE_CHANGE = "stack-creation-fence";
  /**
   * The change that deletes the stack while the snapshot completes, instead of after it: EBS takes the snapshot
   * at the point in time it is requested, and deleting its volume does not affect it (see {@link #snapshotVolume}).
   */
  static final String TEARDOWN_DURING_SNAPSHOT = "teardown-during-snapshot";
  /** The change that starts the largest pulls first and, unless the request says, sizes parallelism by the plan. */
  static final String PULL_SCHEDULE = "pull-schedule";
  /** The change that launches build instances with the region's builder stack's instance profile. */
  static final String BUILDER_STACK = "builder-stack";
  /**
   * The change that makes publishing the point of no return: a cancel before it skips publishing and deletes the
   * snapshot; once it has begun, it completes and nothing is undone (see {@link #publish}).
   */
  static final String CANCEL_AFTER_PUBLISH = "cancel-after-publish";
  /**
   * The change that tags a succeeded build's snapshot {@link SnapshotLifecycle#PUBLISHED}, which the worker's IAM
   * policy then forbids it to delete; builds before it leave theirs {@link SnapshotLifecycle#BUILDING}.
   */
  static final String LEAST_PRIVILEGE_TAGS = "least-privilege-tags";
  /** Builds with {@code --fast-restore} enable FSR before publishing and disable it on the snapshot superseded. */
  static final String FAST_RESTORE = "fast-restore";
  private static final ActivityOptions PULL = ActivityOptions.newBuilder(BuildTimeouts.PULL_IMAGE)
      .setCancellationType(ActivityCancellationType.ABANDON)
      .build();

  private BuildStep step;
  private final List<ImagePull> pulls = new ArrayList<>();
  private Integer snapshotPercent;
  private String stackName;
  /** When the deploy step ended without a stack (failed, cancelled, timed out); null while it has not. */
  private Long deployEndedWithoutStackAt;
  private String instanceId;
  private String snapshotId;
  private boolean snapshotRequested;
  /** Once the snapshot is tagged published, a failure after (publishing to -op) keeps it: it is a product. */
  private boolean snapshotMarkedPublished;
  private boolean stackRequested;
  private Preflight preflight;
  private VolumeSizing sizing;
  private Integer volumeSizeGiB;
  private VolumeUsage volumeUsage;
  private VolumePerformance volumePerformance;
  private String instanceWarning;
  private RestoreTimeModel.Estimate restore;
  /** The previous snapshot this build's volume starts from ({@link IncrementalRebuild#CHANGE}); null from scratch. */
  private IncrementalRebuild incremental;
  private String failure;
  private boolean finished;
  /** The SSM parameter the snapshot was written to, once that is done (since {@link #CANCEL_AFTER_PUBLISH}). */
  private String publishedTo;
  private BuildMetrics metrics;

  private final List<StepTiming> timings = new ArrayList<>();
  private boolean deadlinePassed;
  /** The teardown, once started; it runs once per build, however many ways out ask for it. */
  private Promise<Void> tearingDown;
  /** Whether the request chose the pull parallelism; validation fills in the legacy default when it did not. */
  private boolean parallelismRequested;
  /** Whether pulls start largest first, as many as the plan chose unless the request said ({@link #PULL_SCHEDULE}). */
  private boolean pullsScheduled;
  /** The snapshot's copies to other regions and its shares; deleted again if the build fails. */
  private final RegionCopies copies = new RegionCopies();

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
    for (String image : request.images()) {
      for (String platform : request.platforms()) {
        pulls.add(new ImagePull(image, platform, State.PENDING, null, null));
      }
    }
    List<String> imageIndex = inputLimits ? ImageIndex.of(request.images()) : request.images();
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet(Status.RUNNING.name()), REGION.valueSet(request.region()),
        IMAGES.valueSet(imageIndex), BUILD_NAME.valueSet(request.name()));

    // The teardown is registered here, before the stack is deployed: every way out of the steps below runs it.
    // The snapshot's compensation is registered in snapshotVolume, before createSnapshot.
    try {
      BuildResult built = withinDeadline(request.timeout(), () -> runSteps(request, identity));
      if (publishedTo != null && CancellationScope.current().isCancelRequested()) {
        // Temporal records a run asked to cancel as cancelled whatever it returns: say what the cancel found.
        failure = "cancel arrived after " + snapshotId + " was published to " + publishedTo + "; nothing was undone";
        log.info("{}", failure);
        setStatus(Status.CANCELLED);
        metrics.finished(Outcome.CANCELLED, BuildMetrics.NO_FAILURE);
        return built;
      }
      BuildResult result = RetentionAfterBuild.applied(request, built);
      setStatus(Status.SUCCEEDED);
      metrics.finished(Outcome.SUCCEEDED, BuildMetrics.NO_FAILURE);
      if (result.upToDate()) {
        metrics.upToDate();
      }
      return result;
    } catch (TemporalFailure stepFailure) {
      tearDownAfterFailure(request, identity);
      throw concluded(stepFailure, request.timeout());
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
    } else {
      // Builds started before images were resolved: snapshot.sh's default size, no resolve step.
      request = validated.volumeSizeGiB() != null ? validated
          : validated.withVolumeSizeGiB(BuildRequestValidator.LEGACY_VOLUME_SIZE_GIB);
      volumeSizeGiB = request.volumeSizeGiB();
    }
    String region = request.region();
    stackRequested = true;
    StackOutputs stack = step(BuildStep.DEPLOY_STACK, () -> deployStack(request, identity));
    instanceId = stack.instanceId();

    step(BuildStep.AWAIT_SSM, () ->
        instance(BuildTimeouts.AWAIT_SSM, "wait for SSM on " + instanceId).awaitSsmOnline(region, instanceId));

    step(BuildStep.PREPARE_CONTAINERD, () -> {
      instance(BuildTimeouts.RUN_COMMAND, "stop kubelet on " + instanceId).stopKubelet(region, instanceId);
      if (incremental != null) {
        incremental.prepare(region, instanceId, BuildTimeouts.RUN_COMMAND);
      } else {
        instance(BuildTimeouts.RUN_COMMAND, "remove cached images on " + instanceId).removeCachedImages(region, instanceId);
      }
    });

    step(BuildStep.PULL_IMAGES, () -> pullImages(request, identity));

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
    boolean fastRestore = !request.fastRestoreZones().isEmpty()
        && Workflow.getVersion(FAST_RESTORE, Workflow.DEFAULT_VERSION, 1) >= 1;
    // With --verify, a snapshot that does not restore as built fails the build here, before it is published.
    String publishedParameter = step(BuildStep.CLEANUP, () -> {
      tearDown(region, identity);
      BuildVerification.beforePublish(request, snapshotId, images);
      if (fastRestore) {
        enableFastRestore(request);
      }
      boolean pointOfNoReturn = publishingMayBegin();
      if (Workflow.getVersion(LEAST_PRIVILEGE_TAGS, Workflow.DEFAULT_VERSION, 1) >= 1) {
        // Before -op names it anywhere: a snapshot nodes may boot from is one the worker can no longer delete.
        snapshots(BuildTimeouts.TEARDOWN, "tag " + snapshotId + " published").markSnapshotPublished(region, snapshotId);
        snapshotMarkedPublished = true;
      }
      String published = publish(request, pointOfNoReturn);
      if (fastRestore) {
        disableSupersededFastRestore(request);
      }
      return published;
    });

    return new BuildResult(snapshotId, region, request.volumeSizeGiB(), images, List.copyOf(timings), stackName,
        instanceId, publishedParameter, false, sizing, volumeUsage, volumePerformance, instanceWarning,
        incremental == null ? null : incremental.report())
        .withCopies(copies.made(request, identity, snapshotId));
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
    for (int i = 0; i < pulls.size(); i++) {
      ImagePull pull = pulls.get(i);
      pulls.set(i, new ImagePull(pull.image(), pull.platform(), State.DONE, resolved(pull).digest(), null));
    }
    String publishedParameter = publish(request, publishingMayBegin());
    return new BuildResult(snapshotId, request.region(), previous.volumeSizeGiB(), images, List.copyOf(timings),
        null, null, publishedParameter, true, sizing, null);
  }

  private ResolvedImage resolved(ImagePull pull) {
    return preflight.images().stream()
        .filter(image -> image.image().equals(pull.image()) && image.platform().equals(pull.platform()))
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "the registry's answer has no " + pull.image() + " (" + pull.platform() + ")",
            BuildFailures.REGISTRY_FAILED));
  }

  private StackOutputs deployStack(BuildRequest request, BuildIdentity identity) {
    // Outside the try below: no build stack is asked for before the builder stack is up, so nothing to fence off.
    String instanceProfile = BuilderStackUse.instanceProfile(request);
    try {
      return stack(BuildTimeouts.DEPLOY_STACK, "deploy stack " + stackName)
          .deployStack(new StackSpec(identity, request, instanceProfile,
              incremental == null ? null : incremental.parentSnapshotId()));
    } catch (TemporalFailure deployFailure) {
      deployEndedWithoutStackAt = Workflow.currentTimeMillis();
      throw deployFailure;
    }
  }

  @Override
  public BuildProgress progress() {
    return new BuildProgress(step, List.copyOf(pulls), snapshotPercent, stackName, instanceId, snapshotId, failure,
        finished, volumeSizeGiB, sizing, volumeUsage, volumePerformance, instanceWarning, restore,
        incremental == null ? null : incremental.report());
  }

  private BuildRequest validated(BuildRequest input, boolean awsInputRules) {
    try {
      return BuildRequestValidator.normalize(input, awsInputRules);
    } catch (InvalidRequestException invalid) {
      failure = invalid.getMessage();
      finished = true;
      setStatus(Status.FAILED);
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
              stepsScope.cancel("build deadline of " + human(timeout) + " passed");
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

  /**
   * Every image × platform, at most {@link #pullParallelism} at a time, the largest first; the first failure
   * cancels the rest. Pulls queue for the semaphore in the order they start.
   */
  private List<CachedImage> pullImages(BuildRequest request, BuildIdentity identity) {
    int parallelism = request.pullParallelism();
    log.info("pulls: {} at a time{}", parallelism, pullsScheduled && !parallelismRequested ? " (planned)" : "");
    List<Integer> order = pullsScheduled
        ? PullSchedule.largestFirst(pulls.stream().map(this::resolved).toList())
        : IntStream.range(0, pulls.size()).boxed().toList();
    WorkflowSemaphore slots = Workflow.newWorkflowSemaphore(parallelism);
    Map<Integer, Promise<CachedImage>> results = new LinkedHashMap<>();
    Workflow.newCancellationScope((CancellationScope allPulls) -> {
      for (int index : order) {
        results.put(index, Async.function(() -> pullInTurn(index, slots, allPulls, request.region(), identity)));
      }
    }).run();
    Promise.allOf(List.copyOf(results.values())).get();
    return IntStream.range(0, pulls.size()).mapToObj(i -> results.get(i).get()).toList();
  }


  private CachedImage pullInTurn(int index, WorkflowSemaphore slots, CancellationScope allPulls, String region,
      BuildIdentity identity) {
    slots.acquire();
    ImagePull pull = pulls.get(index);
    try {
      pulls.set(index, new ImagePull(pull.image(), pull.platform(), State.PULLING, null, null));
      CachedImage cached = instance(PULL, "pull " + pull.image() + " " + pull.platform())
          .pullImage(new PullSpec(region, instanceId, identity, pull.image(), pull.platform()));
      if (preflight != null && !resolved(pull).digest().equals(cached.digest())) {
        // The tag moved after it was resolved: what is on the volume is not what was sized, checked and recorded.
        throw ApplicationFailure.newNonRetryableFailure(pull.image() + " moved between resolving and pulling: "
            + "resolved " + resolved(pull).digest() + ", pulled " + cached.digest(), BuildFailures.IMAGE_CHANGED);
      }
      pulls.set(index, new ImagePull(pull.image(), pull.platform(), State.DONE, cached.digest(), null));
      metrics.pulled(preflight != null ? resolved(pull).compressedBytes() : cached.sizeBytes());
      return cached;
    } catch (TemporalFailure pullFailure) {
      boolean cancelled = pullFailure instanceof CanceledFailure || pullFailure.getCause() instanceof CanceledFailure;
      pulls.set(index, cancelled ? pull
          : new ImagePull(pull.image(), pull.platform(), State.FAILED, null, describe(causeOf(pullFailure))));
      // Transient errors were already retried inside the activity call, so this failure is final for the build.
      allPulls.cancel();
      throw pullFailure;
    } finally {
      slots.release();
    }
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
      startTearDown(region, identity);
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

  /** FSR in the request's zones, waited for until enabled, so nodes given the new ID restore fast from the start. */
  private void enableFastRestore(BuildRequest request) {
    List<String> zones = request.fastRestoreZones();
    snapshots(BuildTimeouts.FAST_RESTORE, "enable fast snapshot restore of " + snapshotId + " in "
        + String.join(",", zones)).enableFastSnapshotRestores(request.region(), snapshotId, zones);
    FastRestoreStatus status;
    do {
      status = snapshots(BuildTimeouts.AWAIT_FAST_RESTORE, "wait for fast snapshot restore of " + snapshotId)
          .awaitFastSnapshotRestoresEnabled(request.region(), snapshotId, zones);
    } while (!status.enabled());
  }

  /** The newest earlier snapshot of this build name stops costing FSR once this one is published. */
  private void disableSupersededFastRestore(BuildRequest request) {
    PreviousSnapshot superseded = preflight == null ? null : preflight.previous();
    if (superseded == null || superseded.snapshotId().equals(snapshotId)) {
      return;
    }
    snapshots(BuildTimeouts.FAST_RESTORE, "disable fast snapshot restore of " + superseded.snapshotId())
        .disableFastSnapshotRestores(request.region(), superseded.snapshotId());
  }

  private static String description(BuildRequest request) {
    String description = "precache " + request.name() + ": " + String.join(",", request.images());
    return description.length() > DESCRIPTION_MAX ? description.substring(0, DESCRIPTION_MAX) : description;
  }

  /**
   * Writes the snapshot's ID to the request's SSM parameter, if any. Publishing is the point of no return: a cancel
   * that came before it ends the build here (and its snapshot is deleted, as for any cancel); once begun it runs in
   * a detached scope, so no cancel can leave the parameter naming a snapshot the build then deletes.
   */
  /**
   * Whether publishing is the point of no return ({@link #CANCEL_AFTER_PUBLISH}); if so, a cancel that arrived
   * before it skips it (thrown here, before the snapshot is tagged published or named anywhere).
   */
  private boolean publishingMayBegin() {
    boolean pointOfNoReturn = Workflow.getVersion(CANCEL_AFTER_PUBLISH, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (pointOfNoReturn && CancellationScope.current().isCancelRequested()) {
      throw new CanceledFailure("cancelled before publishing " + snapshotId);
    }
    return pointOfNoReturn;
  }

  /**
   * Writes the snapshot ID to {@code -op}. With {@code pointOfNoReturn} ({@link #CANCEL_AFTER_PUBLISH}), a cancel
   * arriving once this began cannot stop it: the parameter never names a snapshot the build then deletes.
   */
  private String publish(BuildRequest request, boolean pointOfNoReturn) {
    String parameter = request.outputParameterName();
    if (parameter == null) {
      return null;
    }
    Runnable write = () -> publisher(BuildTimeouts.PUBLISH, "write " + snapshotId + " to " + parameter)
        .publishSnapshotId(request.region(), parameter, snapshotId);
    if (pointOfNoReturn) {
      Workflow.newDetachedCancellationScope(write).run();
      publishedTo = parameter;
    } else {
      write.run();
    }
    return parameter;
  }

  /** Tears down ({@link #startTearDown}) and waits until that is done; the first failure of a part is thrown. */
  private void tearDown(String region, BuildIdentity identity) {
    startTearDown(region, identity).get();
  }

  /**
   * Starts deleting the build instance's stack and parked registry credentials, once per build, in a detached
   * scope so that neither a cancellation nor the deadline stops it half way. Every part is attempted; the
   * returned promise fails with the first failure after.
   */
  private Promise<Void> startTearDown(String region, BuildIdentity identity) {
    if (tearingDown != null) {
      return tearingDown;
    }
    if (!stackRequested) {
      CompletablePromise<Void> nothingToDo = Workflow.newPromise();
      nothingToDo.complete(null);
      return nothingToDo;
    }
    Workflow.newDetachedCancellationScope(() -> tearingDown = Async.procedure(() -> {
      BuildLogContext.step(BuildLogContext.TEARDOWN);
      List<TemporalFailure> failures = new ArrayList<>();
      attempt(failures, () -> stack(BuildTimeouts.TEARDOWN, "delete stack " + stackName).deleteStack(region, stackName));
      fenceOffLateStackCreation(region, failures);
      attempt(failures, () -> instance(BuildTimeouts.TEARDOWN, "delete parked registry credentials")
          .deleteRegistryCredentials(region, identity));
      if (!failures.isEmpty()) {
        throw failures.get(0);
      }
    })).run();
    return tearingDown;
  }

  /**
   * A deploy step that ended without its stack may leave an attempt running that still calls CreateStack: a cancel
   * does not wait for it, and the worker of an attempt that timed out may still be at it. No attempt calls it
   * later than {@link BuildTimeouts#STACK_CREATION_FENCE} after the step ended, so once that has passed the stack
   * is deleted again, in case such an attempt created it after the first deletion.
   */
  private void fenceOffLateStackCreation(String region, List<TemporalFailure> failures) {
    if (deployEndedWithoutStackAt == null
        || Workflow.getVersion(STACK_CREATION_FENCE_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    long fenceEndsAt = deployEndedWithoutStackAt + BuildTimeouts.STACK_CREATION_FENCE.toMillis();
    long remaining = fenceEndsAt - Workflow.currentTimeMillis();
    if (remaining > 0) {
      Workflow.newTimer(Duration.ofMillis(remaining),
          TimerOptions.newBuilder().setSummary("until no deploy attempt can create the stack").build()).get();
    }
    attempt(failures, () -> stack(BuildTimeouts.TEARDOWN, "delete stack " + stackName + " if a late attempt made it")
        .deleteStack(region, stackName));
  }

  private void attempt(List<TemporalFailure> failures, Functions.Proc part) {
    try {
      part.apply();
    } catch (TemporalFailure partFailure) {
      log.error("teardown: {}", describe(causeOf(partFailure)));
      metrics.teardownFailed();
      failures.add(partFailure);
    }
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
      tearDown(region, identity);
    } catch (TemporalFailure teardownFailure) {
      failures.add(teardownFailure);
    }
    if (snapshotMarkedPublished) {
      log.warn("kept snapshot {}: it was tagged published before the build failed; retention removes it", snapshotId);
    } else if (snapshotRequested) {
      int failedBefore = failures.size();
      Workflow.newDetachedCancellationScope(() -> attempt(failures, () ->
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
    copies.deleteCopies(request, identity, failures);
    if (!failures.isEmpty()) {
      log.error("teardown after a failed build did not complete; stack {} or snapshots tagged {} may be left behind",
          stackName, identity.buildId());
    }
  }

  /** What the workflow ends with, once teardown has run; also records the final status. */
  private TemporalFailure concluded(TemporalFailure stepFailure, Duration timeout) {
    String during = "step " + step.number() + "/" + BuildStep.total() + " (" + step.title() + ")";
    if (deadlinePassed) {
      failure = "timed out after " + human(timeout) + " during " + during;
      setStatus(Status.TIMED_OUT);
      metrics.finished(Outcome.TIMED_OUT, BuildFailures.BUILD_TIMED_OUT);
      return ApplicationFailure.newNonRetryableFailureWithCause(failure, BuildFailures.BUILD_TIMED_OUT, stepFailure);
    }
    if (CancellationScope.current().isCancelRequested()) {
      failure = "cancelled during " + during;
      setStatus(Status.CANCELLED);
      metrics.finished(Outcome.CANCELLED, BuildMetrics.NO_FAILURE);
      return new CanceledFailure(failure);
    }
    Throwable cause = causeOf(stepFailure);
    failure = during + " failed: " + describe(cause);
    setStatus(Status.FAILED);
    metrics.finished(Outcome.FAILED, typeOf(cause));
    log.info("build failed: {}", failure);
    return ApplicationFailure.newNonRetryableFailureWithCause(failure, typeOf(cause), stepFailure);
  }

  private static Throwable causeOf(TemporalFailure failure) {
    return failure instanceof ActivityFailure && failure.getCause() != null ? failure.getCause() : failure;
  }

  private static String describe(Throwable cause) {
    if (cause instanceof TimeoutFailure timeout) {
      return "activity timed out (" + timeout.getTimeoutType() + ")";
    }
    return cause instanceof TemporalFailure temporal ? temporal.getOriginalMessage() : String.valueOf(cause.getMessage());
  }

  private static String typeOf(Throwable cause) {
    return cause instanceof ApplicationFailure application ? application.getType() : cause.getClass().getSimpleName();
  }

  /** {@code PT1H30M} → {@code 1h30m}. */
  private static String human(Duration duration) {
    return duration.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static void setStatus(Status status) {
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet(status.name()));
  }

  private static StackActivities stack(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(StackActivities.class, summarised(options, summary));
  }

  private static InstanceActivities instance(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(InstanceActivities.class, summarised(options, summary));
  }

  private static SnapshotActivities snapshots(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(SnapshotActivities.class, summarised(options, summary));
  }

  private static PublishActivities publisher(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(PublishActivities.class, summarised(options, summary));
  }

  /** The summary is what the Web UI shows for the activity, so a reader sees what each call is doing. */
  private static ActivityOptions summarised(ActivityOptions options, String summary) {
    return ActivityOptions.newBuilder(options).setSummary(summary).build();
  }
}

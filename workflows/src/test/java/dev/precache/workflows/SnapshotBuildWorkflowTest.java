package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.ImagePull.State;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.InOrder;

class SnapshotBuildWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();
  /** Releases activities a test left blocked, so the worker can shut down. */
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseBlockedActivities() {
    release.countDown();
  }

  @Test
  void buildsTheSnapshotStepByStep(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "happy");

    BuildResult result = build.build(FakeCloud.request());

    InOrder steps = inOrder(cloud.registry, cloud.stack, cloud.instance, cloud.snapshots, cloud.publish);
    steps.verify(cloud.registry).resolveImages(any());
    steps.verify(cloud.snapshots).findLatestSnapshot(FakeCloud.REGION, "gpu-models");
    steps.verify(cloud.stack).deployStack(argThat(spec -> spec.request().volumeSizeGiB() == 10));
    steps.verify(cloud.instance).awaitSsmOnline(FakeCloud.REGION, FakeCloud.INSTANCE_ID);
    steps.verify(cloud.instance).stopKubeletAndRemoveImages(FakeCloud.REGION, FakeCloud.INSTANCE_ID);
    steps.verify(cloud.instance, times(4)).pullImage(any());
    steps.verify(cloud.instance).verifyResolvedImages(any());
    steps.verify(cloud.instance).stopInstance(FakeCloud.REGION, FakeCloud.INSTANCE_ID);
    steps.verify(cloud.snapshots).createSnapshot(any());
    // The stack goes while the snapshot completes; both are done before the snapshot is published.
    InOrder teardown = inOrder(cloud.snapshots, cloud.stack, cloud.instance, cloud.publish);
    teardown.verify(cloud.snapshots).createSnapshot(any());
    teardown.verify(cloud.stack).deleteStack(FakeCloud.REGION, result.stackName());
    teardown.verify(cloud.instance).deleteRegistryCredentials(eq(FakeCloud.REGION), any());
    // Tagged published before -op names it: from then on the worker's IAM policy forbids deleting it.
    teardown.verify(cloud.snapshots).markSnapshotPublished(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID);
    teardown.verify(cloud.publish).publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER, FakeCloud.SNAPSHOT_ID);
    steps.verify(cloud.snapshots, times(2)).awaitSnapshotCompleted(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID);
    steps.verify(cloud.publish).publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER, FakeCloud.SNAPSHOT_ID);
    verify(cloud.snapshots, never()).deleteBuildSnapshots(any(), any());
    assertThat(cloud.snapshotsInAccount).containsKeys(FakeCloud.SNAPSHOT_ID, FakeCloud.OTHER_BUILDS_SNAPSHOT);
    verify(cloud.snapshots).createSnapshot(argThat((SnapshotSpec spec) -> spec.description().equals(
        "precache gpu-models: docker.io/library/busybox:latest,public.ecr.aws/docker/library/alpine:3.20")
        && spec.tags().get("team").equals("ml") && spec.instanceId().equals(FakeCloud.INSTANCE_ID)
        && spec.tags().get(SnapshotContent.NAME).equals("gpu-models")
        && spec.tags().get(SnapshotContent.VOLUME_USED_BYTES).equals(String.valueOf(FakeCloud.USAGE.usedBytes()))
        && spec.tags().get(SnapshotContent.CONTENT).startsWith("sha256:")));
    verify(cloud.instance, never()).verifyCachedImages(any());

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(result.region()).isEqualTo(FakeCloud.REGION);
    // 1.8 GB of distinct blobs (each platform's base layer once) × (1 + 3 unpacked) + 1 GiB = 7.7 GiB, under 85 %.
    assertThat(result.volumeSizeGiB()).isEqualTo(10);
    assertThat(result.sizing().requiredGiB()).isEqualTo(8);
    assertThat(result.volumeUsage()).isEqualTo(FakeCloud.USAGE);
    assertThat(result.upToDate()).isFalse();
    assertThat(result.instanceId()).isEqualTo(FakeCloud.INSTANCE_ID);
    assertThat(result.stackName()).startsWith("precache-gpu-models-");
    assertThat(result.publishedParameter()).isEqualTo(FakeCloud.OUTPUT_PARAMETER);
    assertThat(result.images()).extracting(CachedImage::image, CachedImage::platform).containsExactly(
        tuple("docker.io/library/busybox:latest", "linux/amd64"),
        tuple("docker.io/library/busybox:latest", "linux/arm64"),
        tuple("public.ecr.aws/docker/library/alpine:3.20", "linux/amd64"),
        tuple("public.ecr.aws/docker/library/alpine:3.20", "linux/arm64"));
    assertThat(result.steps()).extracting(StepTiming::number).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);

    BuildProgress progress = build.progress();
    assertThat(progress.finished()).isTrue();
    assertThat(progress.step()).isEqualTo(BuildStep.CLEANUP);
    assertThat(progress.failure()).isNull();
    assertThat(progress.snapshotPercent()).isEqualTo(100);
    assertThat(progress.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(progress.stackName()).isEqualTo(result.stackName());
    assertThat(progress.pulls()).hasSize(4).allSatisfy(pull -> {
      assertThat(pull.state()).isEqualTo(State.DONE);
      assertThat(pull.digest()).isEqualTo(FakeCloud.digestOf(pull.image()));
    });

    var attributes = WorkflowStub.fromTyped(build).describe().getTypedSearchAttributes();
    assertThat(attributes.get(BuildSearchAttributes.STATUS)).isEqualTo(Status.SUCCEEDED.name());
    assertThat(attributes.get(BuildSearchAttributes.SNAPSHOT_ID)).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(attributes.get(BuildSearchAttributes.REGION)).isEqualTo(FakeCloud.REGION);
    assertThat(attributes.get(BuildSearchAttributes.BUILD_NAME)).isEqualTo("gpu-models");
    assertThat(attributes.get(BuildSearchAttributes.IMAGES)).containsExactly(
        "docker.io/library/busybox:latest", "public.ecr.aws/docker/library/alpine:3.20");
  }

  /** Every activity call a build makes, broken in turn with a permanent failure. */
  static Stream<Arguments> failingCalls() {
    return Stream.of(
        failing("deployStack", 2, c -> doThrow(permanent()).when(c.stack).deployStack(any())),
        failing("awaitSsmOnline", 3, c -> doThrow(permanent()).when(c.instance).awaitSsmOnline(any(), any())),
        failing("stopKubeletAndRemoveImages", 4,
            c -> doThrow(permanent()).when(c.instance).stopKubeletAndRemoveImages(any(), any())),
        failing("pullImage", 5, c -> doThrow(permanent()).when(c.instance).pullImage(any())),
        failing("verifyResolvedImages", 6, c -> doThrow(permanent()).when(c.instance).verifyResolvedImages(any())),
        failing("stopInstance", 7, c -> doThrow(permanent()).when(c.instance).stopInstance(any(), any())),
        failing("createSnapshot", 8, c -> doThrow(permanent()).when(c.snapshots).createSnapshot(any())),
        failing("createSnapshot after creating it", 8, c -> doAnswer(call -> {
          c.takeSnapshot(call.getArgument(0));
          throw permanent();
        }).when(c.snapshots).createSnapshot(any())),
        failing("awaitSnapshotCompleted", 8,
            c -> doThrow(permanent()).when(c.snapshots).awaitSnapshotCompleted(any(), any())),
        failing("markSnapshotPublished", 9,
            c -> doThrow(permanent()).when(c.snapshots).markSnapshotPublished(any(), any())));
  }

  private static Arguments failing(String call, int step, Consumer<FakeCloud> breaker) {
    return Arguments.of(call, step, breaker);
  }

  private static ApplicationFailure permanent() {
    return ApplicationFailure.newFailure("boom: the thing broke", BuildFailures.COMMAND_FAILED);
  }

  @ParameterizedTest(name = "{0} fails in step {1}")
  @MethodSource("failingCalls")
  void aFailedStepTearsDownOnceLeavesNoSnapshotAndNamesTheStep(String call, int stepNumber,
      Consumer<FakeCloud> breaker, TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    breaker.accept(cloud);
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "fails-at-" + call.replace(' ', '-'));

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request()));

    BuildStep step = BuildStep.values()[stepNumber - 1];
    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getOriginalMessage())
        .isEqualTo("step " + stepNumber + "/9 (" + step.title() + ") failed: boom: the thing broke");
    assertThat(failure.getType()).isEqualTo(BuildFailures.COMMAND_FAILED);
    assertThat(failure.getCause()).isNotNull();
    // A deploy that ended without its stack is deleted again once no attempt can create it any more.
    verify(cloud.stack, times(step == BuildStep.DEPLOY_STACK ? 2 : 1))
        .deleteStack(eq(FakeCloud.REGION), argThat(name -> name.startsWith("precache-")));
    verify(cloud.instance, times(1)).deleteRegistryCredentials(eq(FakeCloud.REGION), any());
    boolean snapshotting = step.compareTo(BuildStep.SNAPSHOT) >= 0;
    verify(cloud.snapshots, times(snapshotting ? 1 : 0)).deleteBuildSnapshots(eq(FakeCloud.REGION), any());
    assertThat(cloud.snapshotsInAccount).containsOnlyKeys(FakeCloud.OTHER_BUILDS_SNAPSHOT);
    BuildProgress progress = build.progress();
    assertThat(progress.finished()).isTrue();
    assertThat(progress.step()).isEqualTo(step);
    assertThat(progress.failure()).isEqualTo(failure.getOriginalMessage());
    assertThat(progress.snapshotId()).as("a deleted snapshot is not reported").isNull();
    var attributes = WorkflowStub.fromTyped(build).describe().getTypedSearchAttributes();
    assertThat(attributes.get(BuildSearchAttributes.STATUS)).isEqualTo(Status.FAILED.name());
    assertThat(attributes.get(BuildSearchAttributes.SNAPSHOT_ID)).as("a deleted snapshot is not searchable").isNull();
  }

  @Test
  void aSnapshotTaggedPublishedIsKeptWhenPublishingToTheParameterFails(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    doThrow(permanent()).when(cloud.publish).publishSnapshotId(any(), any(), any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "publish-fails");

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request()));

    assertThat(((ApplicationFailure) failed.getCause()).getOriginalMessage())
        .isEqualTo("step 9/9 (" + BuildStep.CLEANUP.title() + ") failed: boom: the thing broke");
    InOrder order = inOrder(cloud.snapshots, cloud.publish);
    order.verify(cloud.snapshots).markSnapshotPublished(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID);
    order.verify(cloud.publish).publishSnapshotId(any(), any(), any());
    verify(cloud.snapshots, never()).deleteBuildSnapshots(any(), any());
    verify(cloud.stack, times(1)).deleteStack(eq(FakeCloud.REGION), any());
    assertThat(cloud.snapshotsInAccount).containsKeys(FakeCloud.SNAPSHOT_ID, FakeCloud.OTHER_BUILDS_SNAPSHOT);
    assertThat(build.progress().snapshotId()).as("the kept snapshot is reported").isEqualTo(FakeCloud.SNAPSHOT_ID);
  }

  @Test
  void cancellingDuringPullsTearsDownAndEndsCancelled(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws InterruptedException {
    CountDownLatch pulling = new CountDownLatch(1);
    doAnswer(call -> {
      pulling.countDown();
      release.await();
      return FakeCloud.cached(call.getArgument(0));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "cancelled");

    WorkflowClient.start(build::build, FakeCloud.request());
    assertThat(pulling.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub stub = WorkflowStub.fromTyped(build);
    stub.cancel();

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> stub.getResult(BuildResult.class));
    assertThat(failed.getCause()).isInstanceOf(CanceledFailure.class);
    verify(cloud.stack, times(1)).deleteStack(any(), any());
    verify(cloud.instance, times(1)).deleteRegistryCredentials(any(), any());
    verify(cloud.snapshots, never()).createSnapshot(any());
    assertThat(build.progress().failure()).isEqualTo("cancelled during step 5/9 (Pulling images)");
    assertThat(stub.describe().getTypedSearchAttributes().get(BuildSearchAttributes.STATUS))
        .isEqualTo(Status.CANCELLED.name());
  }

  @Test
  void aCancelDuringPublishingIsTooLateAndUndoesNothing(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws InterruptedException {
    CountDownLatch publishing = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    doAnswer(call -> {
      publishing.countDown();
      cancelled.await();
      return null;
    }).when(cloud.publish).publishSnapshotId(any(), any(), any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "cancel-while-publishing");

    WorkflowClient.start(build::build, FakeCloud.request());
    assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub stub = WorkflowStub.fromTyped(build);
    stub.cancel();
    cancelled.countDown();

    WorkflowFailedException ended = catchThrowableOfType(WorkflowFailedException.class,
        () -> stub.getResult(BuildResult.class));
    assertThat(ended.getCause()).as("Temporal records a run asked to cancel as cancelled")
        .isInstanceOf(CanceledFailure.class);
    verify(cloud.publish, times(1)).publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER,
        FakeCloud.SNAPSHOT_ID);
    verify(cloud.snapshots, never()).deleteBuildSnapshots(any(), any());
    assertThat(cloud.snapshotsInAccount).containsKey(FakeCloud.SNAPSHOT_ID);
    BuildProgress progress = build.progress();
    assertThat(progress.failure()).isEqualTo("cancel arrived after " + FakeCloud.SNAPSHOT_ID + " was published to "
        + FakeCloud.OUTPUT_PARAMETER + "; nothing was undone");
    assertThat(progress.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(stub.describe().getTypedSearchAttributes().get(BuildSearchAttributes.SNAPSHOT_ID))
        .isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(stub.describe().getTypedSearchAttributes().get(BuildSearchAttributes.STATUS))
        .isEqualTo(Status.CANCELLED.name());
  }

  @Test
  void aCancelBeforePublishingSkipsItAndDeletesTheSnapshot(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws InterruptedException {
    CountDownLatch deleting = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    doAnswer(call -> {
      deleting.countDown();
      cancelled.await();
      return null;
    }).when(cloud.stack).deleteStack(any(), any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "cancel-before-publishing");

    WorkflowClient.start(build::build, FakeCloud.request());
    assertThat(deleting.await(30, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 300 && build.progress().step() != BuildStep.CLEANUP; i++) {
      Thread.sleep(100); // the snapshot completes while the stack is being deleted
    }
    assertThat(build.progress().step()).as("waiting for the stack to go, the snapshot complete")
        .isEqualTo(BuildStep.CLEANUP);
    WorkflowStub stub = WorkflowStub.fromTyped(build);
    stub.cancel();
    cancelled.countDown();

    WorkflowFailedException ended = catchThrowableOfType(WorkflowFailedException.class,
        () -> stub.getResult(BuildResult.class));
    assertThat(ended.getCause()).isInstanceOf(CanceledFailure.class);
    verify(cloud.publish, never()).publishSnapshotId(any(), any(), any());
    verify(cloud.snapshots).deleteBuildSnapshots(eq(FakeCloud.REGION), any());
    assertThat(cloud.snapshotsInAccount).doesNotContainKey(FakeCloud.SNAPSHOT_ID);
    assertThat(build.progress().failure()).startsWith("cancelled during step ");
    assertThat(build.progress().snapshotId()).isNull();
  }

  @Test
  void theBuildDeadlineCancelsAStuckPullAndTearsDown(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    // Shorter than the heartbeat timeout, so the deadline, not a retry, ends the stuck pull.
    Duration timeout = Duration.ofSeconds(3);
    doAnswer(call -> {
      release.await();
      return FakeCloud.cached(call.getArgument(0));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "timed-out");
    BuildRequest stuck = BuildRequestValidatorTest.with(FakeCloud.request(), "timeout", timeout);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class, () -> build.build(stuck));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getOriginalMessage()).isEqualTo("timed out after 3s during step 5/9 (Pulling images)");
    assertThat(failure.getType()).isEqualTo(BuildFailures.BUILD_TIMED_OUT);
    assertThat(failure.isNonRetryable()).isTrue();
    verify(cloud.stack, times(1)).deleteStack(any(), any());
    verify(cloud.instance, times(1)).deleteRegistryCredentials(any(), any());
    assertThat(WorkflowStub.fromTyped(build).describe().getTypedSearchAttributes().get(BuildSearchAttributes.STATUS))
        .isEqualTo(Status.TIMED_OUT.name());
  }

  @Test
  void aSnapshotWhoseIdNeverReachedTheWorkflowIsDeletedWhenTheDeadlinePasses(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    // CreateSnapshot went through, then the worker hung: the ID is only in the account, under the build's tag.
    doAnswer(call -> {
      cloud.takeSnapshot(call.getArgument(0));
      release.await();
      return FakeCloud.SNAPSHOT_ID;
    }).when(cloud.snapshots).createSnapshot(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "snapshot-lost");
    BuildRequest stuck = BuildRequestValidatorTest.with(FakeCloud.request(), "timeout", Duration.ofSeconds(3));

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class, () -> build.build(stuck));

    assertThat(((ApplicationFailure) failed.getCause()).getOriginalMessage())
        .isEqualTo("timed out after 3s during step 8/9 (Creating snapshot)");
    assertThat(build.progress().snapshotId()).isNull();
    assertThat(cloud.snapshotsInAccount).containsOnlyKeys(FakeCloud.OTHER_BUILDS_SNAPSHOT);
    verify(cloud.stack, times(1)).deleteStack(any(), any());
  }

  @ParameterizedTest
  @ValueSource(strings = {BuildFailures.IMAGE_NOT_FOUND, BuildFailures.UNAUTHORIZED})
  void aPermanentPullFailureIsNotRetriedAndStopsTheOtherPulls(String type, TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    String ctrOutput = "ctr: failed to resolve reference \"docker.io/library/busybox:latest\": "
        + (type.equals(BuildFailures.UNAUTHORIZED) ? "401 Unauthorized" : "not found");
    // Thrown retryable on purpose: the activity options' do-not-retry list must stop the retry.
    doThrow(ApplicationFailure.newFailure(ctrOutput, type)).when(cloud.instance)
        .pullImage(argThat(spec -> spec.image().equals("docker.io/library/busybox:latest")));
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "pull-" + type);
    BuildRequest serialPulls = BuildRequestValidatorTest.with(
        BuildRequestValidatorTest.with(FakeCloud.request(), "platforms", List.of("amd64")), "pullParallelism", 1);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(serialPulls));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getOriginalMessage()).isEqualTo("step 5/9 (Pulling images) failed: " + ctrOutput);
    assertThat(failure.getType()).isEqualTo(type);
    verify(cloud.instance, times(1)).pullImage(any());
    verify(cloud.stack, times(1)).deleteStack(any(), any());
    verify(cloud.instance, times(1)).deleteRegistryCredentials(any(), any());
    assertThat(build.progress().pulls()).extracting(ImagePull::state).containsExactly(State.FAILED, State.PENDING);
    assertThat(build.progress().pulls().get(0).error()).isEqualTo(ctrOutput);
  }

  @Test
  void aPermanentPullFailureEndsTheBuildWithoutWaitingForPullsStillRunning(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    CountDownLatch othersPulling = new CountDownLatch(2);
    AtomicInteger othersReturned = new AtomicInteger();
    doAnswer(call -> {
      PullSpec spec = call.getArgument(0);
      if (spec.image().equals("docker.io/library/busybox:latest")) {
        othersPulling.await();
        throw ApplicationFailure.newFailure("ctr: busybox: not found", BuildFailures.IMAGE_NOT_FOUND);
      }
      othersPulling.countDown();
      // Bounded, so that a build that waited for these pulls would end and fail the assertion below.
      release.await(10, TimeUnit.SECONDS);
      othersReturned.incrementAndGet();
      return FakeCloud.cached(spec);
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "pull-fails-while-others-run");
    BuildRequest threeAtOnce = new BuildRequest("three-at-once", FakeCloud.REGION,
        List.of("busybox", "alpine", "nginx"), List.of("amd64"), null, null, false, null, null, null, null, null,
        null, true, null, null, 3, null, null);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(threeAtOnce));

    assertThat(othersReturned).hasValue(0);
    assertThat(((ApplicationFailure) failed.getCause()).getType()).isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    verify(cloud.stack, times(1)).deleteStack(any(), any());
    verify(cloud.instance, times(1)).deleteRegistryCredentials(any(), any());
    verify(cloud.instance, never()).verifyCachedImages(any());
    assertThat(build.progress().pulls()).extracting(ImagePull::state)
        .containsExactly(State.FAILED, State.PENDING, State.PENDING);
  }

  @Test
  void aTransientPullFailureIsRetried(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    AtomicInteger attempts = new AtomicInteger();
    doAnswer(call -> {
      if (attempts.getAndIncrement() == 0) {
        throw new RuntimeException("ThrottlingException: Rate exceeded");
      }
      return FakeCloud.cached(call.getArgument(0));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "throttled").build(FakeCloud.request());

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(attempts).hasValue(5);
    verify(cloud.stack, times(1)).deleteStack(any(), any());
  }

  @Test
  void aPullFailingTransientlyOnEveryAttemptGivesUpAfterItsAttemptsWithTheLastError(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    Map<String, AtomicInteger> attemptsPerPull = new java.util.concurrent.ConcurrentHashMap<>();
    doAnswer(call -> {
      PullSpec pull = call.getArgument(0);
      int attempt = attemptsPerPull.computeIfAbsent(pull.image() + " " + pull.platform(), k -> new AtomicInteger())
          .incrementAndGet();
      throw new RuntimeException("429 Too Many Requests (attempt " + attempt + ")");
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();

    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "rate-limited");
    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request()));

    // The first pull to run out of attempts ends the build; none is tried more often than that.
    assertThat(attemptsPerPull.values()).extracting(AtomicInteger::get)
        .allMatch(attempts -> attempts <= BuildTimeouts.PULL_MAX_ATTEMPTS)
        .contains(BuildTimeouts.PULL_MAX_ATTEMPTS);
    assertThat(failed.getCause()).hasMessageContaining("429 Too Many Requests (attempt " + BuildTimeouts.PULL_MAX_ATTEMPTS + ")");
    verify(cloud.stack, times(1)).deleteStack(any(), any());
  }

  @Test
  void aLostSnapshotWaitIsRetriedWithoutASecondSnapshot(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    LosesFirstWait snapshots = new LosesFirstWait(release);
    cloud.snapshots = snapshots;
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "lost-wait").build(FakeCloud.request());

    assertThat(snapshots.creates).hasValue(1);
    assertThat(snapshots.waits).hasValue(2);
    assertThat(snapshots.deletes).hasValue(0);
    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
  }

  /** A snapshot service whose first wait hangs without heartbeating, like a worker that died mid-wait. */
  static final class LosesFirstWait implements SnapshotActivities {
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger waits = new AtomicInteger();
    final AtomicInteger deletes = new AtomicInteger();
    private final CountDownLatch release;

    LosesFirstWait(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public String createSnapshot(SnapshotSpec spec) {
      creates.incrementAndGet();
      return FakeCloud.SNAPSHOT_ID;
    }

    @Override
    public void markSnapshotPublished(String region, String snapshotId) {}

    @Override
    public SnapshotStatus awaitSnapshotCompleted(String region, String snapshotId) {
      if (waits.incrementAndGet() == 1) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new SnapshotStatus(snapshotId, 100, true);
    }

    @Override
    public void deleteBuildSnapshots(String region, BuildIdentity identity) {
      deletes.incrementAndGet();
    }

    @Override
    public PreviousSnapshot findLatestSnapshot(String region, String buildName) {
      return null;
    }

    @Override
    public void enableFastSnapshotRestores(String region, String snapshotId, java.util.List<String> zones) {
      throw new UnsupportedOperationException("this build asks for no fast snapshot restore");
    }

    @Override
    public FastRestoreStatus awaitFastSnapshotRestoresEnabled(String region, String snapshotId,
                                                              java.util.List<String> zones) {
      throw new UnsupportedOperationException("this build asks for no fast snapshot restore");
    }

    @Override
    public void disableFastSnapshotRestores(String region, String snapshotId) {
      throw new UnsupportedOperationException("this build asks for no fast snapshot restore");
    }

    @Override
    public SnapshotDescription describeSnapshot(String region, String snapshotId) {
      throw new UnsupportedOperationException("builds never describe a snapshot by ID");
    }
  }

  @Test
  void pullsRunAtMostPullParallelismAtATime(TestWorkflowEnvironment env, WorkflowClient client, Worker worker)
      throws InterruptedException {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();
    CountDownLatch pulled = new CountDownLatch(5);
    doAnswer(call -> {
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Thread.sleep(300);
      inFlight.decrementAndGet();
      pulled.countDown();
      return FakeCloud.cached(call.getArgument(0));
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "parallel");
    BuildRequest request = new BuildRequest("parallel", FakeCloud.REGION,
        List.of("busybox", "alpine", "nginx", "redis", "postgres"), null, null, null, false, null, null, null, null,
        null, null, true, null, null, 2, null, null);

    // Not waiting on the result keeps the test server's clock at real time while the pulls sleep.
    WorkflowClient.start(build::build, request);
    assertThat(pulled.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub.fromTyped(build).getResult(BuildResult.class);

    assertThat(mostInFlight).hasValue(2);
    verify(cloud.instance, times(5)).pullImage(any(PullSpec.class));
  }

  @Test
  void anInvalidRequestFailsBeforeAnyActivity(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();
    BuildRequest invalid = BuildRequestValidatorTest.with(FakeCloud.request(), "volumeSizeGiB", 0);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> FakeCloud.newBuild(client, worker, "invalid").build(invalid));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).isEqualTo("volumeSizeGiB: must be between 1 and 65536 GiB, got 0");
    verifyNoInteractions(cloud.stack, cloud.instance, cloud.snapshots, cloud.publish);
  }
}

package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.InstanceActivities.CheckedImage;
import dev.precache.workflows.InstanceActivities.ImageCheck;
import dev.precache.workflows.InstanceActivities.ImageCheckSpec;
import dev.precache.workflows.RegistryActivities.ResolveSpec;
import dev.precache.workflows.StackActivities.StackOutputs;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code precache verify} and {@code build --verify} against activity mocks: a probe per architecture restores the
 * snapshot, what {@code ctr images check} reports decides, and every probe stack is deleted however it ends.
 */
class VerifySnapshotWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private static final String AMD64_PROBE = "i-0amd64probe00000";
  private static final String ARM64_PROBE = "i-0arm64probe00000";
  private static final String PINNED = "io.cri-containerd.pinned=pinned";

  private final FakeCloud cloud = new FakeCloud();
  private final CountDownLatch release = new CountDownLatch(1);
  /** Stacks created and not (yet) deleted, by name. */
  private final Set<String> liveStacks = ConcurrentHashMap.newKeySet();
  private final List<StackSpec> deployed = Collections.synchronizedList(new ArrayList<>());
  /** What each probe's volume holds: platform → what its check prints, per image. */
  private final Map<String, String> statusOnProbe = new ConcurrentHashMap<>(
      Map.of(AMD64_PROBE, "complete (3/3)", ARM64_PROBE, "complete (3/3)"));

  @BeforeEach
  void probesComeAndGo() {
    doAnswer(call -> {
      StackSpec spec = call.getArgument(0);
      deployed.add(spec);
      liveStacks.add(spec.identity().stackName());
      boolean arm = spec.request().platforms().get(0).equals("linux/arm64");
      return new StackOutputs("arn:stack/" + spec.identity().stackName(), arm ? ARM64_PROBE : AMD64_PROBE);
    }).when(cloud.stack).deployStack(any());
    doAnswer(call -> liveStacks.remove(call.getArgument(1, String.class))).when(cloud.stack).deleteStack(any(), any());
    doAnswer(call -> check(call.getArgument(0))).when(cloud.instance).checkImages(any());
  }

  @AfterEach
  void releaseBlockedActivities() {
    release.countDown();
  }

  @Test
  void aGoodSnapshotPassesOnAProbePerArchitectureAndLeavesNoStack(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    when(cloud.snapshots.describeSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenReturn(built("completed"));
    cloud.register(worker);
    env.start();

    VerifyResult result = newVerify(client, worker).verify(request());

    assertThat(result.passed()).as(result.reason()).isTrue();
    assertThat(result.reason()).isNull();
    assertThat(result.images()).extracting(VerifyResult.VerifiedImage::platform, VerifyResult.VerifiedImage::complete,
            VerifyResult.VerifiedImage::pinned)
        .containsExactlyInAnyOrder(tuple("linux/amd64", true, true), tuple("linux/amd64", true, true),
            tuple("linux/arm64", true, true), tuple("linux/arm64", true, true));
    assertThat(result.images()).allSatisfy(image -> assertThat(image.foundDigest()).isEqualTo(image.recordedDigest()));
    assertThat(result.probes()).extracting(VerifyResult.Probe::platform, VerifyResult.Probe::instanceType,
            VerifyResult.Probe::checkMillis)
        .containsExactlyInAnyOrder(tuple("linux/amd64", "m5.large", 420L), tuple("linux/arm64", "m6g.medium", 420L));
    // Each probe reads a sample of the volume; the volume's recorded use at the sampled rate is the readable time.
    long used = FakeCloud.USAGE.usedBytes();
    assertThat(result.probes()).allSatisfy(probe -> {
      assertThat(probe.sampledBytes()).isEqualTo(Math.min(SnapshotProbes.SAMPLE_BYTES, used));
      assertThat(probe.imageBytes()).isEqualTo(used);
      assertThat(probe.sampledMiBps()).isCloseTo(FakeCloud.LAZY_MIB_PER_SECOND, within(0.01));
      assertThat(probe.untilReadableMillis()).isCloseTo((long) (used / (FakeCloud.LAZY_MIB_PER_SECOND * (1 << 20)) * 1000),
          within(20L));
    });
    // The probes restore the snapshot at its size, as the variant it was built with but without NVIDIA (no GPU).
    assertThat(deployed).extracting(spec -> spec.request().amiParameter(), StackSpec::dataSnapshotId,
            spec -> spec.request().volumeSizeGiB(), StackSpec::instanceProfileName)
        .containsExactlyInAnyOrder(
            tuple("/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", FakeCloud.SNAPSHOT_ID, 40,
                FakeCloud.BUILDER_PROFILE),
            tuple("/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id", FakeCloud.SNAPSHOT_ID, 40,
                FakeCloud.BUILDER_PROFILE));
    assertThat(deployed).allSatisfy(spec -> assertThat(spec.identity().stackName()).startsWith("precache-verify-"));
    assertThat(liveStacks).isEmpty();
  }

  @Test
  void probesRestoreWithTheInitializationRateTheNodesWillUse(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    when(cloud.snapshots.describeSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenReturn(built("completed"));
    cloud.register(worker);
    env.start();

    VerifyResult result = newVerify(client, worker)
        .verify(new VerifyRequest(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, null, 300));

    assertThat(result.passed()).as(result.reason()).isTrue();
    assertThat(deployed).extracting(StackSpec::dataVolumeInitializationRateMiBps).containsExactly(300, 300);
    assertThat(result.probes()).extracting(VerifyResult.Probe::initializationRateMiBps).containsExactly(300, 300);
    assertThat(liveStacks).isEmpty();
  }

  @Test
  void aRateEbsDoesNotOfferIsRefusedNamingTheField() {
    for (int rate : new int[] {99, 301}) {
      assertThat(catchThrowableOfType(InvalidRequestException.class,
          () -> new VerifyRequest(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, null, rate).validated()))
          .satisfies(e -> assertThat(e.field()).isEqualTo("volumeInitializationRateMiBps"));
    }
  }

  @Test
  void aSnapshotMissingAPlatformFailsNamingItAndLeavesNoStack(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    when(cloud.snapshots.describeSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenReturn(built("completed"));
    statusOnProbe.put(ARM64_PROBE, "unavailable (0/?)");
    cloud.register(worker);
    env.start();

    VerifyResult result = newVerify(client, worker).verify(request());

    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo("docker.io/library/busybox:latest (linux/arm64): unavailable (0/?), not"
        + " unpacked; public.ecr.aws/docker/library/alpine:3.20 (linux/arm64): unavailable (0/?), not unpacked");
    assertThat(result.images()).filteredOn(image -> image.platform().equals("linux/amd64"))
        .allSatisfy(image -> assertThat(image.passed()).isTrue());
    assertThat(liveStacks).isEmpty();
  }

  @Test
  void aProbeThatNeverComesOnlineFailsTheVerifyAndBothStacksGo(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    when(cloud.snapshots.describeSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenReturn(built("completed"));
    doThrow(ApplicationFailure.newNonRetryableFailure("SSM agent never came online", BuildFailures.INSTANCE_FAILED))
        .when(cloud.instance).awaitSsmOnline(FakeCloud.REGION, ARM64_PROBE);
    cloud.register(worker);
    env.start();

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> newVerify(client, worker).verify(request()));

    assertThat(((ApplicationFailure) failed.getCause().getCause()).getOriginalMessage())
        .isEqualTo("SSM agent never came online");
    assertThat(liveStacks).isEmpty();
    assertThat(deployed).hasSize(2);
  }

  @Test
  void cancellingWhileAProbeChecksTearsEveryProbeDown(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) throws InterruptedException {
    when(cloud.snapshots.describeSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID)).thenReturn(built("completed"));
    CountDownLatch checking = new CountDownLatch(1);
    doAnswer(call -> {
      checking.countDown();
      release.await();
      return check(call.getArgument(0));
    }).when(cloud.instance).checkImages(any());
    cloud.register(worker);
    env.start();
    VerifySnapshotWorkflow verify = newVerify(client, worker);

    WorkflowClient.start(verify::verify, request());
    assertThat(checking.await(30, TimeUnit.SECONDS)).isTrue();
    WorkflowStub stub = WorkflowStub.fromTyped(verify);
    stub.cancel();

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> stub.getResult(VerifyResult.class));
    assertThat(failed.getCause()).isInstanceOf(CanceledFailure.class);
    assertThat(liveStacks).isEmpty();
  }

  @Test
  void aSnapshotThatIsNotThereIsRefusedWithoutLaunching(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    when(cloud.snapshots.describeSnapshot(any(), any())).thenThrow(ApplicationFailure.newNonRetryableFailure(
        "no snapshot snap-0123456789abcdef0 in us-west-2", BuildFailures.SNAPSHOT_NOT_FOUND));
    cloud.register(worker);
    env.start();

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> newVerify(client, worker).verify(request()));

    assertThat(((ApplicationFailure) failed.getCause().getCause()).getType()).isEqualTo(BuildFailures.SNAPSHOT_NOT_FOUND);
    verify(cloud.stack, never()).deployStack(any());
  }

  @Test
  void aBuildWithVerifyWhoseSnapshotMissesAPlatformFailsDeletesItAndPublishesNothing(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    statusOnProbe.put(ARM64_PROBE, "incomplete (2/3)");
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "verified-build");

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request().withVerify(true)));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.VERIFICATION_FAILED);
    assertThat(failure.getOriginalMessage()).startsWith("step 9/9 (Deleting stack and publishing) failed: verifying"
        + " snapshot " + FakeCloud.SNAPSHOT_ID + " failed: docker.io/library/busybox:latest (linux/arm64): incomplete"
        + " (2/3)");
    verify(cloud.publish, never()).publishSnapshotId(any(), any(), any());
    assertThat(cloud.snapshotsInAccount).doesNotContainKey(FakeCloud.SNAPSHOT_ID);
    assertThat(build.progress().snapshotId()).isNull();
    // The build's own stack and both probes'.
    assertThat(liveStacks).isEmpty();
    assertThat(deployed).hasSize(3);
    assertThat(deployed.subList(1, 3)).allSatisfy(spec ->
        assertThat(spec.dataSnapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID));
  }

  @Test
  void aBuildWithVerifyPublishesOnlyOnceItsSnapshotPassed(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "verified-ok").build(FakeCloud.request().withVerify(true));

    assertThat(result.publishedParameter()).isEqualTo(FakeCloud.OUTPUT_PARAMETER);
    verify(cloud.instance, org.mockito.Mockito.times(2)).checkImages(any());
    verify(cloud.publish).publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER, FakeCloud.SNAPSHOT_ID);
    assertThat(cloud.snapshotsInAccount).containsKey(FakeCloud.SNAPSHOT_ID);
    assertThat(liveStacks).isEmpty();
  }

  /** What a build of {@link FakeCloud#request()} tagged its snapshot with, on the NVIDIA variant. */
  private static SnapshotDescription built(String state) {
    List<ResolvedImage> images = FakeCloud.resolved(new ResolveSpec(
        List.of("docker.io/library/busybox:latest", "public.ecr.aws/docker/library/alpine:3.20"),
        List.of("linux/amd64", "linux/arm64")));
    Map<String, String> tags = new LinkedHashMap<>(SnapshotContent.tags("gpu-models", images, FakeCloud.USAGE, 0));
    tags.putAll(SnapshotCompatibility.ofBuild("/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id")
        .tags());
    return new SnapshotDescription(FakeCloud.SNAPSHOT_ID, state, 40, false, tags);
  }

  /** What a probe's ctr prints for each image asked: its digest, its status there, unpacked when complete, pinned. */
  private ImageCheck check(ImageCheckSpec spec) {
    String status = statusOnProbe.get(spec.instanceId());
    List<CheckedImage> rows = spec.images().stream()
        .map(image -> new CheckedImage(image, FakeCloud.digestOf(image), status, status.startsWith("complete"),
            List.of("io.cri-containerd.image=managed", PINNED)))
        .toList();
    return new ImageCheck(rows, 420);
  }

  private static VerifyRequest request() {
    return new VerifyRequest(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, null);
  }

  private static VerifySnapshotWorkflow newVerify(WorkflowClient client, Worker worker) {
    return client.newWorkflowStub(VerifySnapshotWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(worker.getTaskQueue())
        .setWorkflowId(VerifySnapshotWorkflow.workflowIdFor(request()))
        .build());
  }
}

package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.ArgumentCaptor;

/** The build's first step: resolving before launching, sizing, skipping unchanged builds, catching moved tags. */
class ResolveFirstWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();

  @Test
  void eachPullIsHandedItsPlatformsResolvedLayersSoItCanTellHowFarItIs(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();
    BuildRequest request = FakeCloud.request();

    FakeCloud.newBuild(client, worker, "layers-handed").build(request);

    ArgumentCaptor<PullSpec> pulls = ArgumentCaptor.forClass(PullSpec.class);
    verify(cloud.instance, times(request.images().size() * request.platforms().size())).pullImage(pulls.capture());
    // As the registry resolved that image × platform (FakeCloud's: a base layer per platform, an app layer each).
    assertThat(pulls.getAllValues()).allSatisfy(pull -> assertThat(pull.layers()).isEqualTo(FakeCloud.resolved(
        new RegistryActivities.ResolveSpec(List.of(pull.image()), List.of(pull.platform()))).get(0).layers()));
    assertThat(pulls.getAllValues()).extracting(pull -> pull.layers().get(1).digest()).doesNotHaveDuplicates();
  }

  @Test
  void aMissingImageFailsTheBuildBeforeAnythingIsLaunched(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    String message = "docker.io/library/busybox:latest: GET manifest latest failed: HTTP 404 MANIFEST_UNKNOWN";
    doThrow(ApplicationFailure.newNonRetryableFailure(message, BuildFailures.IMAGE_NOT_FOUND))
        .when(cloud.registry).resolveImages(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "missing");

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request()));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    assertThat(failure.getOriginalMessage()).isEqualTo("step 1/9 (Resolving images) failed: " + message);
    verify(cloud.registry, times(1)).resolveImages(any());
    verifyNoInteractions(cloud.stack, cloud.instance, cloud.snapshots, cloud.publish);
    assertThat(build.progress().step()).isEqualTo(BuildStep.RESOLVE_IMAGES);
    assertThat(build.progress().instanceId()).isNull();
  }

  @Test
  void aVolumeTooSmallForTheImagesIsRefusedBeforeAnythingIsLaunched(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();
    BuildRequest small = BuildRequestValidatorTest.with(FakeCloud.request(), "volumeSizeGiB", 5);

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> FakeCloud.newBuild(client, worker, "small").build(small));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.VOLUME_TOO_SMALL);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .startsWith("step 1/9 (Resolving images) failed: a 5 GiB volume cannot hold the images: needs at least 8 GiB");
    verifyNoInteractions(cloud.stack, cloud.instance, cloud.publish);
  }

  @Test
  void anUnchangedRebuildLaunchesNothingAndStillPublishes(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    AtomicReference<SnapshotSpec> made = new AtomicReference<>();
    doAnswer(call -> {
      made.set(call.getArgument(0));
      return cloud.takeSnapshot(call.getArgument(0));
    }).when(cloud.snapshots).createSnapshot(any());
    cloud.register(worker);
    env.start();
    BuildResult first = FakeCloud.newBuild(client, worker, "first").build(FakeCloud.request());
    // The account now holds the first build's snapshot, with the tags the build wrote on it.
    when(cloud.snapshots.findLatestSnapshot(FakeCloud.REGION, "gpu-models"))
        .thenReturn(new PreviousSnapshot(first.snapshotId(), first.volumeSizeGiB(), false, made.get().tags()));

    BuildResult second = FakeCloud.newBuild(client, worker, "second").build(FakeCloud.request());

    assertThat(second.upToDate()).isTrue();
    assertThat(second.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(second.instanceId()).isNull();
    assertThat(second.stackName()).isNull();
    assertThat(second.images()).extracting(CachedImage::digest)
        .containsExactlyElementsOf(first.images().stream().map(CachedImage::digest).toList());
    verify(cloud.stack, times(1)).deployStack(any());
    verify(cloud.instance, times(4)).pullImage(any());
    verify(cloud.snapshots, times(1)).createSnapshot(any());
    verify(cloud.publish, times(2))
        .publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER, first.snapshotId());
    assertThat(second.steps()).extracting(StepTiming::number).containsExactly(1);

    // The same images, but encrypted: the unencrypted snapshot is not the product asked for.
    BuildResult encrypted = FakeCloud.newBuild(client, worker, "encrypted")
        .build(BuildRequestValidatorTest.with(FakeCloud.request(), "encrypt", true));
    assertThat(encrypted.upToDate()).isFalse();
    verify(cloud.stack, times(2)).deployStack(any());
  }

  @Test
  void forceOrAChangedDigestRebuilds(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();
    List<ResolvedImage> before = FakeCloud.resolved(new RegistryActivities.ResolveSpec(
        List.of("docker.io/library/busybox:latest"), List.of("linux/amd64")));
    Map<String, String> tags = SnapshotContent.tags("changed", before, FakeCloud.USAGE, 0);
    when(cloud.snapshots.findLatestSnapshot(FakeCloud.REGION, "changed"))
        .thenReturn(new PreviousSnapshot(FakeCloud.OTHER_BUILDS_SNAPSHOT, 10, false, tags));
    BuildRequest sameImage = new BuildRequest("changed", FakeCloud.REGION, List.of("busybox"), null, null, null,
        false, null, null, null, null, null, null, true, Map.of(), null, null, null, null, true);

    BuildResult forced = FakeCloud.newBuild(client, worker, "forced").build(sameImage);
    // The registry now serves busybox with another digest: the same request without force rebuilds too.
    doAnswer(call -> FakeCloud.resolved(call.getArgument(0)).stream()
        .map(image -> new ResolvedImage(image.image(), image.platform(), FakeCloud.sha256("moved"),
            image.manifestDigest(), image.configDigest(), image.configBytes(), image.layers()))
        .toList()).when(cloud.registry).resolveImages(any());
    doAnswer(call -> new CachedImage(call.getArgument(0, PullSpec.class).image(), "linux/amd64",
        FakeCloud.sha256("moved"), 1)).when(cloud.instance).pullImage(any());
    BuildResult changed = FakeCloud.newBuild(client, worker, "changed").build(
        BuildRequestValidatorTest.with(sameImage, "force", false));

    assertThat(forced.upToDate()).isFalse();
    assertThat(changed.upToDate()).isFalse();
    verify(cloud.stack, times(2)).deployStack(any());
    // The previous run's measured ratio (3 GiB used for 0.5 GB compressed) sizes the volume: 6.4× → 4 GiB.
    assertThat(changed.sizing().basis()).contains("measured on this build's previous snapshot");
    assertThat(changed.volumeSizeGiB()).isEqualTo(4);
  }

  @Test
  void aTagThatMovedBetweenResolvingAndPullingFailsTheBuild(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    String moved = FakeCloud.sha256("pushed meanwhile");
    doAnswer(call -> {
      PullSpec spec = call.getArgument(0);
      return spec.image().startsWith("public.ecr.aws/") ? new CachedImage(spec.image(), spec.platform(), moved, 1)
          : FakeCloud.cached(spec);
    }).when(cloud.instance).pullImage(any());
    cloud.register(worker);
    env.start();
    SnapshotBuildWorkflow build = FakeCloud.newBuild(client, worker, "moved");

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> build.build(FakeCloud.request()));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.IMAGE_CHANGED);
    assertThat(failure.getOriginalMessage()).isEqualTo("step 5/9 (Pulling images) failed: "
        + "public.ecr.aws/docker/library/alpine:3.20 moved between resolving and pulling: resolved "
        + FakeCloud.digestOf("public.ecr.aws/docker/library/alpine:3.20") + ", pulled " + moved);
    verify(cloud.snapshots, never()).createSnapshot(any());
    verify(cloud.stack, times(1)).deleteStack(eq(FakeCloud.REGION), any());
    verify(cloud.instance, times(1)).deleteRegistryCredentials(eq(FakeCloud.REGION), any());
  }

  @Test
  void aPlanResolvesSizesAndEstimatesWithoutLaunching(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    cloud.register(worker);
    env.start();
    PlanWorkflow plan = client.newWorkflowStub(PlanWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).setWorkflowId("plan").build());

    BuildPlan result = plan.plan(FakeCloud.request());

    assertThat(result.volumeSizeGiB()).isEqualTo(10);
    assertThat(result.volumeTooSmall()).isFalse();
    assertThat(result.upToDate()).isFalse();
    assertThat(result.images()).hasSize(4).allSatisfy(image -> {
      assertThat(image.layers()).isEqualTo(2);
      assertThat(image.sharedLayers()).as("the platform's base layer").isEqualTo(1);
    });
    assertThat(result.estimate().phases()).extracting(BuildTimeModel.Phase::name)
        .containsExactly("stack", "ssm", "prepare", "pull", "stop", "snapshot");
    assertThat(result.estimate().total()).isGreaterThan(BuildTimeModel.STACK_WITHOUT_PROFILE.plus(BuildTimeModel.STOP));
    // A few MB of images: snapshot.sh's 1,000 MiB/s and 4,000 IOPS, and nothing the m5.large cannot feed.
    assertThat(result.volumePerformance().throughputMiBps()).isEqualTo(1000);
    assertThat(result.volumePerformance().iops()).isEqualTo(4000);
    assertThat(result.request().volumeThroughputMiBps()).isEqualTo(1000);
    assertThat(result.instanceWarning()).isNull();
    // The only EC2 call a plan makes: what the instance type can do.
    verify(cloud.instance).describeInstanceCapacity(FakeCloud.REGION, "m5.large");
    verifyNoMoreInteractions(cloud.instance);
    verifyNoInteractions(cloud.stack, cloud.publish, cloud.builder);
    verify(cloud.snapshots, never()).createSnapshot(argThat(spec -> true));
  }
}

package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.InstanceActivities.KeepSpec;
import dev.precache.workflows.InstanceActivities.PreparedVolume;
import dev.precache.workflows.SnapshotActivities.SnapshotSpec;
import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** --from-previous: the volume from the newest snapshot of the name, the unwanted images removed, the parent recorded. */
class IncrementalRebuildWorkflowTest {

  private static final String PARENT = "snap-0aaaaaaaaaaaaaaaa";
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String ALPINE = "public.ecr.aws/docker/library/alpine:3.20";
  /** The parent's volume: larger than this build's images need, so the new volume must grow to it. */
  private static final int PARENT_GIB = 300;
  /** The volume's use once alpine is gone, before the pulls: 2 GiB (FakeCloud.USAGE has 3 GiB after them). */
  private static final VolumeUsage BEFORE_PULLS = new VolumeUsage(20L << 30, 2L << 30, 18L << 30);

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();
  private final List<StackSpec> stacks = new ArrayList<>();
  private final List<SnapshotSpec> snapshots = new ArrayList<>();
  private final List<KeepSpec> kept = new ArrayList<>();

  private void start(TestWorkflowEnvironment env, Worker worker) {
    doAnswer(call -> {
      stacks.add(call.getArgument(0));
      return new StackActivities.StackOutputs("arn:stack", FakeCloud.INSTANCE_ID);
    }).when(cloud.stack).deployStack(any());
    doAnswer(call -> {
      snapshots.add(call.getArgument(0));
      return cloud.takeSnapshot(call.getArgument(0));
    }).when(cloud.snapshots).createSnapshot(any());
    withParent(cloud, kept);
    cloud.register(worker);
    env.start();
  }

  /**
   * The account holds {@link #PARENT}, which held busybox and alpine; on a volume created from it, busybox's layers
   * and the shared base are there, and the images are removed as asked ({@code kept} records each request).
   */
  static void withParent(FakeCloud cloud, List<KeepSpec> kept) {
    when(cloud.snapshots.findLatestSnapshot(FakeCloud.REGION, "gpu-models")).thenReturn(
        new PreviousSnapshot(PARENT, PARENT_GIB, false, Map.of(SnapshotContent.NAME, "gpu-models",
            SnapshotContent.CONTENT, "sha256:what-the-parent-held")));
    doAnswer(call -> {
      KeepSpec spec = call.getArgument(0);
      kept.add(spec);
      List<String> present = spec.layerDigests().stream()
          .filter(digest -> digest.equals(FakeCloud.sha256("base linux/amd64"))
              || digest.equals(FakeCloud.sha256("app docker.io/library/busybox:latest" + "linux/amd64")))
          .toList();
      return new PreparedVolume(List.of(ALPINE), present, BEFORE_PULLS);
    }).when(cloud.instance).keepOnlyImages(any());
  }

  /** busybox stays, alpine goes, nginx comes: one platform. */
  static BuildRequest nightly(Boolean fromPrevious) {
    BuildRequest request = BuildRequestValidatorTest.with(FakeCloud.request(), "images", List.of("busybox", NGINX));
    request = BuildRequestValidatorTest.with(request, "platforms", List.of("amd64"));
    return BuildRequestValidatorTest.with(request, "fromPrevious", fromPrevious);
  }

  @Test
  void fromPreviousCreatesTheVolumeFromTheNewestSnapshotRemovesWhatIsNoLongerWantedAndRecordsTheParent(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    start(env, worker);

    BuildResult result = FakeCloud.newBuild(client, worker, "nightly").build(nightly(true));

    assertThat(stacks).singleElement().satisfies(spec -> {
      assertThat(spec.dataSnapshotId()).isEqualTo(PARENT);
      assertThat(spec.request().volumeSizeGiB()).isEqualTo(PARENT_GIB);
    });
    assertThat(kept).singleElement().satisfies(spec -> {
      assertThat(spec.keep()).containsExactly("docker.io/library/busybox:latest", NGINX);
      assertThat(spec.layerDigests()).hasSize(3);
    });
    verify(cloud.instance).stopKubelet(FakeCloud.REGION, FakeCloud.INSTANCE_ID);
    verify(cloud.instance, never()).stopKubeletAndRemoveImages(any(), any());
    // containerd skips the layers it has: every image × platform is still pulled by tag, and verified.
    verify(cloud.instance, times(2)).pullImage(any());
    assertThat(snapshots).singleElement().satisfies(spec -> assertThat(spec.tags())
        .containsEntry(IncrementalRebuild.PARENT_TAG, PARENT)
        .containsKeys(SnapshotContent.CONTENT, SnapshotContent.NAME));
    IncrementalBuild incremental = result.incremental();
    assertThat(incremental.parentSnapshotId()).isEqualTo(PARENT);
    assertThat(incremental.removedImages()).containsExactly(ALPINE);
    assertThat(incremental.layersPresent()).isEqualTo(2);
    assertThat(incremental.layersTotal()).isEqualTo(3);
    assertThat(incremental.bytesToPull()).isEqualTo(400_000_000L);
    assertThat(incremental.unchangedPulls()).containsExactly("docker.io/library/busybox:latest linux/amd64");
    assertThat(incremental.writtenBytes()).isEqualTo(1L << 30);
    assertThat(incremental.summary()).startsWith("incremental from " + PARENT + ", 1073741824 bytes written");
    assertThat(result.volumeSizeGiB()).isEqualTo(PARENT_GIB);
  }

  @Test
  void aOneOffBuildStartsFromScratchUnlessAskedAndSoDoesFromScratch(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    start(env, worker);

    BuildResult oneOff = FakeCloud.newBuild(client, worker, "one-off").build(nightly(null));
    BuildResult scratch = scheduledBuild(client, worker, "scheduled-scratch").build(nightly(false));

    assertThat(stacks).extracting(StackSpec::dataSnapshotId).containsExactly(null, null);
    assertThat(oneOff.incremental()).isNull();
    assertThat(scratch.incremental()).isNull();
    verify(cloud.instance, times(2)).stopKubeletAndRemoveImages(eq(FakeCloud.REGION), eq(FakeCloud.INSTANCE_ID));
    verify(cloud.instance, never()).keepOnlyImages(any());
    assertThat(snapshots).allSatisfy(spec -> assertThat(spec.tags()).doesNotContainKey(IncrementalRebuild.PARENT_TAG));
  }

  @Test
  void aScheduledBuildIsIncrementalByDefault(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    start(env, worker);

    BuildResult result = scheduledBuild(client, worker, "scheduled").build(nightly(null));

    assertThat(stacks).extracting(StackSpec::dataSnapshotId).containsExactly(PARENT);
    assertThat(result.incremental().parentSnapshotId()).isEqualTo(PARENT);
  }

  @Test
  void withoutAPreviousSnapshotOrWithAnotherEncryptionItStartsFromScratch(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    start(env, worker);
    BuildResult encrypted = FakeCloud.newBuild(client, worker, "encrypted")
        .build(BuildRequestValidatorTest.with(nightly(true), "encrypt", true));
    when(cloud.snapshots.findLatestSnapshot(FakeCloud.REGION, "gpu-models")).thenReturn(null);
    BuildResult first = FakeCloud.newBuild(client, worker, "first").build(nightly(true));

    assertThat(stacks).extracting(StackSpec::dataSnapshotId).containsExactly(null, null);
    assertThat(encrypted.incremental()).isNull();
    assertThat(first.incremental()).isNull();
    verify(cloud.instance, never()).keepOnlyImages(any());
  }

  /** A run as a schedule starts it: with the schedule's ID as a search attribute. */
  private static SnapshotBuildWorkflow scheduledBuild(WorkflowClient client, Worker worker, String workflowId) {
    return client.newWorkflowStub(SnapshotBuildWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(worker.getTaskQueue()).setWorkflowId(workflowId)
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(BuildSearchAttributes.SCHEDULE_ID, "gpu-nightly").build())
        .build());
  }
}

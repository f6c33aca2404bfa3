package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.CopyActivities.CopySpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;

/** {@code --copy-to-region} and {@code --share-with-account}: copies waited for, published per region, undone on failure. */
class RegionCopiesTest {

  /** Recorded at copies version 1: copies carried the source's tags as they were. */
  static final String HISTORY = "histories/happy-path-copies.json";
  /** Recorded at version {@link RegionCopies#MARKS_COPIES_PUBLISHED}: each copy tagged published before -op. */
  static final String PUBLISHED_COPIES_HISTORY = "histories/happy-path-copies-published.json";
  private static final String EAST = "us-east-1";
  private static final String COPY_ID = "snap-0c0c0c0c0c0c0c0c0";
  private static final String ACCOUNT = "210987654321";

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();

  static BuildRequest copiedRequest() {
    BuildRequest request = FakeCloud.request();
    return new BuildRequest(request.name(), request.region(), request.images(), request.platforms(), null, null,
        false, null, null, null, null, null, request.outputParameterName(), true, request.tags(), null, null, null,
        null, false, null, List.of(), false, null, null, List.of(new RegionCopy(EAST, null)), List.of(ACCOUNT));
  }

  private void copyCompletesAfterOnePoll() {
    when(cloud.copies.copySnapshot(any())).thenReturn(COPY_ID);
    when(cloud.snapshots.awaitSnapshotCompleted(EAST, COPY_ID)).thenReturn(
        new SnapshotStatus(COPY_ID, 50, false), new SnapshotStatus(COPY_ID, 100, true));
  }

  @Test
  void copiesOnceCompletedSharesAndPublishesInEachRegion(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    copyCompletesAfterOnePoll();
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "copies").build(copiedRequest());

    assertThat(result.copies()).containsExactly(new SnapshotCopy(EAST, COPY_ID, FakeCloud.OUTPUT_PARAMETER));
    verify(cloud.copies).copySnapshot(any(CopySpec.class));
    verify(cloud.copies).shareSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, List.of(ACCOUNT));
    verify(cloud.copies).shareSnapshot(EAST, COPY_ID, List.of(ACCOUNT));
    verify(cloud.publish).publishSnapshotId(FakeCloud.REGION, FakeCloud.OUTPUT_PARAMETER, FakeCloud.SNAPSHOT_ID);
    InOrder publishedThenNamed = inOrder(cloud.snapshots, cloud.publish);
    publishedThenNamed.verify(cloud.snapshots).markSnapshotPublished(EAST, COPY_ID);
    publishedThenNamed.verify(cloud.publish).publishSnapshotId(EAST, FakeCloud.OUTPUT_PARAMETER, COPY_ID);
  }

  @Test
  void aFailedCopyFailsTheBuildAndDeletesTheCopiesButNotThePublishedSnapshot(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    when(cloud.copies.copySnapshot(any())).thenReturn(COPY_ID);
    when(cloud.snapshots.awaitSnapshotCompleted(EAST, COPY_ID)).thenThrow(
        ApplicationFailure.newNonRetryableFailure("snapshot " + COPY_ID + " failed", BuildFailures.SNAPSHOT_FAILED));
    cloud.register(worker);
    env.start();

    assertThatThrownBy(() -> FakeCloud.newBuild(client, worker, "copy-fails").build(copiedRequest()))
        .isInstanceOf(WorkflowFailedException.class);

    // Copies begin once the snapshot is published (-op names it): that one stays, its copies go.
    verify(cloud.snapshots).markSnapshotPublished(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID);
    verify(cloud.snapshots, never()).deleteBuildSnapshots(eq(FakeCloud.REGION), any());
    verify(cloud.snapshots).deleteBuildSnapshots(eq(EAST), any());
    verify(cloud.snapshots, never()).markSnapshotPublished(eq(EAST), any());
  }

  @Test
  void aCrowdedBuildWithCopiesLeavesItsCopyAndRetentionAPlaceWithinEc2sFifty(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    copyCompletesAfterOnePoll();
    cloud.register(worker);
    env.start();
    Map<String, String> userTags = new HashMap<>();
    for (int i = 0; i < BuildRequestValidator.MAX_USER_TAGS; i++) {
      userTags.put("key-" + i, "value");
    }

    FakeCloud.newBuild(client, worker, "crowded-copies").build(
        BuildRequestValidatorTest.with(copiedRequest(), "tags", userTags));

    ArgumentCaptor<SnapshotActivities.SnapshotSpec> spec = ArgumentCaptor.forClass(SnapshotActivities.SnapshotSpec.class);
    verify(cloud.snapshots).createSnapshot(spec.capture());
    int own = spec.getValue().tags().size() - userTags.size() + SnapshotContent.ACTIVITY_TAGS;
    // The copy: the source's tags and precache:source-snapshot; then retention's precache:retention before deletion.
    assertThat(own + 1 + SnapshotLifecycle.LATER_TAGS).isLessThanOrEqualTo(
        SnapshotContent.EC2_MAX_TAGS - BuildRequestValidator.MAX_USER_TAGS);
    assertThat(spec.getValue().tags().keySet()).anyMatch(key -> key.startsWith(SnapshotContent.IMAGES_PREFIX));
  }

  @Test
  void copiesAreValidated() {
    BuildRequest request = copiedRequest();
    assertThatThrownBy(() -> BuildRequestValidator.normalize(new BuildRequest(request.name(), request.region(),
        request.images(), null, null, null, false, null, null, null, null, null, null, true, null, null, null, null,
        null, false, null, List.of(), false, null, null, List.of(new RegionCopy(FakeCloud.REGION, null)), null)))
        .hasMessageContaining("copyToRegions").hasMessageContaining("copy it to other regions");
    assertThatThrownBy(() -> BuildRequestValidator.normalize(new BuildRequest(request.name(), request.region(),
        request.images(), null, null, null, false, null, null, null, null, null, null, true, null, null, null, null,
        null, false, null, List.of(), false, null, null, List.of(new RegionCopy(EAST, "alias/east")), null)))
        .hasMessageContaining("only allowed with encrypt");
    assertThatThrownBy(() -> BuildRequestValidator.normalize(new BuildRequest(request.name(), request.region(),
        request.images(), null, null, null, false, null, null, null, null, null, null, true, null, null, null, null,
        null, false, null, List.of(), false, null, null, null, List.of("12345"))))
        .hasMessageContaining("shareWithAccounts").hasMessageContaining("12-digit");
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordABuildWithACopy(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    copyCompletesAfterOnePoll();
    cloud.register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-copies").build(copiedRequest());
    Files.writeString(Path.of("src/test/resources", PUBLISHED_COPIES_HISTORY),
        client.fetchHistory("happy-path-copies").toJson(true));
  }
}

package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.SnapshotActivities.FastRestoreStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --fast-restore}: FSR enabled once the snapshot completes, waited for, published, then off the old one. */
class FastRestoreWorkflowTest {
  static final List<String> ZONES = List.of("us-west-2a", "us-west-2b");

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  static BuildRequest request() {
    return BuildRequestValidatorTest.with(FakeCloud.request(), "fastRestoreZones", ZONES);
  }

  /** The snapshot of the previous build of this name, with other content: it is superseded. */
  static void previousBuild(FakeCloud cloud) {
    when(cloud.snapshots.findLatestSnapshot(FakeCloud.REGION, "gpu-models")).thenReturn(new PreviousSnapshot(
        FakeCloud.OTHER_BUILDS_SNAPSHOT, 20, false, Map.of(SnapshotContent.NAME, "gpu-models",
            SnapshotContent.FAST_RESTORE, "us-west-2a")));
  }

  /** FSR optimizes for two polls, then is enabled in both zones. */
  static void optimizesThenEnabled(FakeCloud cloud) {
    AtomicInteger polls = new AtomicInteger();
    when(cloud.snapshots.awaitFastSnapshotRestoresEnabled(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, ZONES))
        .thenAnswer(call -> {
          boolean enabled = polls.incrementAndGet() > 2;
          String state = enabled ? "enabled" : "optimizing";
          return new FastRestoreStatus(FakeCloud.SNAPSHOT_ID, Map.of("us-west-2a", state, "us-west-2b", state),
              enabled);
        });
  }

  @Test
  void enablesWaitsPublishesThenDisablesTheSupersededSnapshot(TestWorkflowEnvironment env, WorkflowClient client,
                                                              Worker worker) {
    previousBuild(cloud);
    optimizesThenEnabled(cloud);
    doAnswer(call -> events.add("enable " + call.getArgument(1) + " " + call.getArgument(2))).when(cloud.snapshots)
        .enableFastSnapshotRestores(any(), any(), any());
    doAnswer(call -> events.add("publish " + call.getArgument(2))).when(cloud.publish)
        .publishSnapshotId(any(), any(), any());
    doAnswer(call -> events.add("disable " + call.getArgument(1))).when(cloud.snapshots)
        .disableFastSnapshotRestores(any(), any());
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "fast-restore").build(request());

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(events).containsExactly("enable " + FakeCloud.SNAPSHOT_ID + " " + ZONES,
        "publish " + FakeCloud.SNAPSHOT_ID, "disable " + FakeCloud.OTHER_BUILDS_SNAPSHOT);
    verify(cloud.snapshots, org.mockito.Mockito.times(3))
        .awaitFastSnapshotRestoresEnabled(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID, ZONES);
  }

  @Test
  void theSnapshotKeepsAPlaceForTheFastRestoreTagWithinEc2sFifty(TestWorkflowEnvironment env,
                                                                 WorkflowClient client, Worker worker) {
    optimizesThenEnabled(cloud);
    cloud.register(worker);
    env.start();
    Map<String, String> userTags = new java.util.HashMap<>();
    for (int i = 0; i < BuildRequestValidator.MAX_USER_TAGS; i++) {
      userTags.put("key-" + i, "value");
    }
    BuildRequest crowded = BuildRequestValidatorTest.with(BuildRequestValidatorTest.with(
        SnapshotBuildReplayTest.maxPullsRequest(), "tags", userTags), "fastRestoreZones", ZONES);

    FakeCloud.newBuild(client, worker, "crowded").build(crowded);

    org.mockito.ArgumentCaptor<SnapshotActivities.SnapshotSpec> spec =
        org.mockito.ArgumentCaptor.forClass(SnapshotActivities.SnapshotSpec.class);
    verify(cloud.snapshots).createSnapshot(spec.capture());
    // The activity adds Name, the build and the workflow ID; FSR adds precache:fast-restore.
    assertThat(spec.getValue().tags().size() + SnapshotContent.ACTIVITY_TAGS + 1)
        .isLessThanOrEqualTo(SnapshotContent.EC2_MAX_TAGS);
    assertThat(spec.getValue().tags().keySet()).anyMatch(key -> key.startsWith(SnapshotContent.IMAGES_PREFIX));
  }

  @Test
  void aBuildWithoutFastRestoreNeverTouchesIt(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    previousBuild(cloud);
    cloud.register(worker);
    env.start();

    FakeCloud.newBuild(client, worker, "lazy").build(FakeCloud.request());

    verify(cloud.snapshots, never()).enableFastSnapshotRestores(any(), any(), any());
    verify(cloud.snapshots, never()).disableFastSnapshotRestores(any(), any());
  }

  @Test
  void aZoneEc2RefusesFailsTheBuildUnpublishedAndDeletesTheSnapshot(TestWorkflowEnvironment env,
                                                                    WorkflowClient client, Worker worker) {
    previousBuild(cloud);
    doThrow(ApplicationFailure.newNonRetryableFailure("enable fast snapshot restore of " + FakeCloud.SNAPSHOT_ID
        + " refused in us-west-2b: FastSnapshotRestoreLimitExceeded: You can enable fast snapshot restore for up to "
        + "5 snapshots per Region.", BuildFailures.INVALID_REQUEST))
        .when(cloud.snapshots).enableFastSnapshotRestores(eq(FakeCloud.REGION), eq(FakeCloud.SNAPSHOT_ID), any());
    cloud.register(worker);
    env.start();

    assertThatThrownBy(() -> FakeCloud.newBuild(client, worker, "refused").build(request()))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("refused in us-west-2b");
    verify(cloud.publish, never()).publishSnapshotId(any(), any(), any());
    verify(cloud.snapshots, never()).disableFastSnapshotRestores(any(), any());
    // The failed build's snapshot is deleted (and its FSR with it); the previous build's stays.
    assertThat(cloud.snapshotsInAccount).containsOnlyKeys(FakeCloud.OTHER_BUILDS_SNAPSHOT);
  }
}

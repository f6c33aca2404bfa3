package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.RetentionActivities.Expiry;
import dev.precache.workflows.RetentionReport.Verdict;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --keep N}: retention after a successful build, which never fails the build. */
class RetentionAfterBuildTest {

  static final String HISTORY = "histories/happy-path-retention.json";

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();

  /** The build's new snapshot, an older one and the oldest, published. */
  private void threeSnapshotsOfTheName() {
    Instant now = Instant.now();
    when(cloud.retention.listSnapshots(FakeCloud.REGION, "gpu-models")).thenReturn(List.of(
        stored(FakeCloud.SNAPSHOT_ID, now, List.of()),
        stored("snap-00000000000000001", now.minusSeconds(86_400), List.of()),
        stored("snap-00000000000000002", now.minusSeconds(2 * 86_400), List.of("SSM parameter /precache/gpu"))));
    when(cloud.retention.expireSnapshot(any(), any())).thenAnswer(call -> new Expiry(call.getArgument(1), true, null));
  }

  private static StoredSnapshot stored(String id, Instant start, List<String> usedBy) {
    return new StoredSnapshot(id, FakeCloud.REGION, "gpu-models", "completed", start, 20, "sha256:" + id, null, null,
        null, usedBy, Map.of(SnapshotContent.NAME, "gpu-models"));
  }

  @Test
  void deletesWhatIsOlderThanTheNewestNAndUnused(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    threeSnapshotsOfTheName();
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "keep-1").build(FakeCloud.request().withKeepSnapshots(1));

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(result.retention().warning()).isNull();
    assertThat(result.retention().with(Verdict.DELETED)).extracting(e -> e.snapshot().snapshotId())
        .containsExactly("snap-00000000000000001");
    assertThat(result.retention().with(Verdict.KEEP)).extracting(e -> e.snapshot().snapshotId())
        .containsExactlyInAnyOrder(FakeCloud.SNAPSHOT_ID, "snap-00000000000000002");
    verify(cloud.retention).expireSnapshot(FakeCloud.REGION, "snap-00000000000000001");
    verify(cloud.retention, never()).expireSnapshot(FakeCloud.REGION, FakeCloud.SNAPSHOT_ID);
    verify(cloud.retention, never()).expireSnapshot(FakeCloud.REGION, "snap-00000000000000002");
  }

  @Test
  void aRetentionFailureIsAWarningNotAFailedBuild(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    when(cloud.retention.listSnapshots(any(), any())).thenThrow(
        ApplicationFailure.newNonRetryableFailure("not authorized to DescribeSnapshots", BuildFailures.ACCESS_DENIED));
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "keep-fails").build(FakeCloud.request().withKeepSnapshots(2));

    assertThat(result.snapshotId()).isEqualTo(FakeCloud.SNAPSHOT_ID);
    assertThat(result.retention().warning()).contains("not authorized to DescribeSnapshots")
        .contains("precache snapshots prune -r us-west-2 --name gpu-models --keep 2");
    assertThat(cloud.snapshotsInAccount).containsKey(FakeCloud.SNAPSHOT_ID);
    verify(cloud.retention, never()).expireSnapshot(any(), any());
  }

  @Test
  void withoutKeepNothingIsListedOrDeleted(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "keep-all").build(FakeCloud.request());

    assertThat(result.retention()).isNull();
    verify(cloud.retention, never()).listSnapshots(any(), any());
  }

  @Test
  void pruneWorkflowDryRunDeletesNothingAndSaysWhy(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    threeSnapshotsOfTheName();
    cloud.register(worker);
    env.start();

    RetentionReport report = client.newWorkflowStub(SnapshotRetentionWorkflow.class,
        io.temporal.client.WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).build())
        .apply(new RetentionRequest(FakeCloud.REGION, "gpu-models", 1, true));

    assertThat(report.with(Verdict.EXPIRE)).extracting(RetentionReport.Entry::reason)
        .containsExactly("older than the newest 1 completed of 'gpu-models' in us-west-2");
    assertThat(report.with(Verdict.KEEP)).extracting(RetentionReport.Entry::reason).containsExactlyInAnyOrder(
        "one of the newest 1 completed of 'gpu-models' in us-west-2", "in use: SSM parameter /precache/gpu");
    verify(cloud.retention, never()).expireSnapshot(any(), eq("snap-00000000000000001"));
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordABuildWithRetention(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    threeSnapshotsOfTheName();
    cloud.register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-retention").build(FakeCloud.request().withKeepSnapshots(1));
    Files.writeString(Path.of("src/test/resources", HISTORY), client.fetchHistory("happy-path-retention").toJson(true));
  }
}

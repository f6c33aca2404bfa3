package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.precache.workflows.NodeClassMarking.Change;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.NonDeterministicException;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.InOrder;

/**
 * {@link NodeClassSnapshotWorkflowImpl}: the new snapshot tagged before the previous one is untagged; a recorded
 * marking replays (a tagging queued for a day may be picked up by the next worker version). Record it again, after
 * an intended and versioned change, with
 * {@code mvn -o -pl workflows test -Dtest=NodeClassSnapshotWorkflowTest -Dprecache.recordHistory=true}, keeping
 * this one.
 */
class NodeClassSnapshotWorkflowTest {
  /** A class moved from snap-1 to snap-2: both activities, in that order. */
  private static final String MOVED_HISTORY = "histories/nodeclass-moved.json";

  private final NodeClassActivities activities = mock(NodeClassActivities.class, withSettings().withoutAnnotations());

  @RegisterExtension
  final TestWorkflowExtension temporal = TestWorkflowExtension.newBuilder()
      .registerWorkflowImplementationTypes(NodeClassSnapshotWorkflowImpl.class)
      .setDoNotStart(true)
      .build();

  private NodeClassMarking mark(TestWorkflowEnvironment env, Worker worker, WorkflowClient client,
      NodeClassMarkRequest request) {
    worker.registerActivitiesImplementations(activities);
    env.start();
    return client.newWorkflowStub(NodeClassSnapshotWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).build()).mark(request);
  }

  @Test
  void theNewSnapshotIsTaggedThenThePreviousUntagged(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    when(activities.addNodeClass("us-west-2", "snap-2", "prod/gpu")).thenReturn(new Change("snap-2", "prod/gpu", null));
    when(activities.removeNodeClass("us-west-2", "snap-1", "prod/gpu")).thenReturn(new Change("snap-1", null, null));

    NodeClassMarking marking = mark(env, worker, client,
        new NodeClassMarkRequest("us-west-2", "snap-2", "snap-1", "prod/gpu"));

    assertThat(marking).isEqualTo(new NodeClassMarking(new Change("snap-2", "prod/gpu", null),
        new Change("snap-1", null, null)));
    InOrder order = inOrder(activities);
    order.verify(activities).addNodeClass("us-west-2", "snap-2", "prod/gpu");
    order.verify(activities).removeNodeClass("us-west-2", "snap-1", "prod/gpu");
  }

  @Test
  void aRecordedMoveReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(MOVED_HISTORY, NodeClassSnapshotWorkflowImpl.class);
  }

  /** Untagging first would be another workflow: the recorded history tells them apart. */
  public static class UntagsFirst implements NodeClassSnapshotWorkflow {
    @Override
    public NodeClassMarking mark(NodeClassMarkRequest request) {
      NodeClassActivities activities = Workflow.newActivityStub(NodeClassActivities.class, BuildTimeouts.NODECLASS_TAG);
      Change previous = activities.removeNodeClass(request.region(), request.previousSnapshotId(), request.nodeClass());
      return new NodeClassMarking(activities.addNodeClass(request.region(), request.snapshotId(), request.nodeClass()),
          previous);
    }
  }

  @Test
  void aWorkflowThatUntagsFirstCannotReplayTheMove() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(MOVED_HISTORY, UntagsFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordAMove(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws IOException {
    when(activities.addNodeClass("us-west-2", "snap-2", "prod/gpu")).thenReturn(new Change("snap-2", "prod/gpu", null));
    when(activities.removeNodeClass("us-west-2", "snap-1", "prod/gpu")).thenReturn(new Change("snap-1", null, null));
    worker.registerActivitiesImplementations(activities);
    env.start();
    client.newWorkflowStub(NodeClassSnapshotWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(worker.getTaskQueue()).setWorkflowId("nodeclass-moved").build())
        .mark(new NodeClassMarkRequest("us-west-2", "snap-2", "snap-1", "prod/gpu"));

    Files.writeString(Path.of("src/test/resources", MOVED_HISTORY),
        client.fetchHistory("nodeclass-moved").toJson(true));
  }

  @Test
  void theSameSnapshotAppliedAgainIsNotUntagged(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    when(activities.addNodeClass("us-west-2", "snap-2", "prod/gpu")).thenReturn(new Change("snap-2", "prod/gpu", null));

    NodeClassMarking marking = mark(env, worker, client,
        new NodeClassMarkRequest("us-west-2", "snap-2", "snap-2", "prod/gpu"));

    assertThat(marking.previous()).isNull();
    verify(activities, never()).removeNodeClass("us-west-2", "snap-2", "prod/gpu");
  }
}

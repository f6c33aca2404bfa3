package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.precache.workflows.NodeClassMarking.Change;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.InOrder;

/** {@link NodeClassSnapshotWorkflowImpl}: the new snapshot tagged before the previous one is untagged. */
class NodeClassSnapshotWorkflowTest {
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
  void theSameSnapshotAppliedAgainIsNotUntagged(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    when(activities.addNodeClass("us-west-2", "snap-2", "prod/gpu")).thenReturn(new Change("snap-2", "prod/gpu", null));

    NodeClassMarking marking = mark(env, worker, client,
        new NodeClassMarkRequest("us-west-2", "snap-2", "snap-2", "prod/gpu"));

    assertThat(marking.previous()).isNull();
    verify(activities, never()).removeNodeClass("us-west-2", "snap-2", "prod/gpu");
  }
}

package dev.precache.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/** The new snapshot tagged first: should the untagging then fail, both are kept, never neither. */
public class NodeClassSnapshotWorkflowImpl implements NodeClassSnapshotWorkflow {

  @Override
  public NodeClassMarking mark(NodeClassMarkRequest request) {
    if (request.region() == null || request.snapshotId() == null || request.nodeClass() == null) {
      throw ApplicationFailure.newNonRetryableFailure("missing region, snapshot or class in " + request,
          BuildFailures.INVALID_REQUEST);
    }
    NodeClassActivities activities = Workflow.newActivityStub(NodeClassActivities.class, BuildTimeouts.NODECLASS_TAG);
    NodeClassMarking.Change applied = activities.addNodeClass(request.region(), request.snapshotId(),
        request.nodeClass());
    NodeClassMarking.Change previous = request.previousSnapshotId() == null
        || request.previousSnapshotId().equals(request.snapshotId()) ? null
        : activities.removeNodeClass(request.region(), request.previousSnapshotId(), request.nodeClass());
    return new NodeClassMarking(applied, previous);
  }
}

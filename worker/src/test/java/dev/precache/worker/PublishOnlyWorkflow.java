package dev.precache.worker;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.PublishActivities;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.workflow.Workflow;
import java.util.List;

/** Stands in for the real workflow: one activity call, enough to prove registration and shutdown. */
public class PublishOnlyWorkflow implements SnapshotBuildWorkflow {
  static final String SNAPSHOT_ID = "snap-0feedface0000000";

  private final PublishActivities publish = Workflow.newActivityStub(PublishActivities.class, BuildTimeouts.PUBLISH);

  @Override
  public BuildResult build(BuildRequest request) {
    publish.publishSnapshotId(request.region(), request.outputParameterName(), SNAPSHOT_ID);
    return new BuildResult(SNAPSHOT_ID, request.region(), 50, List.of(), List.of(), "stack", "i-1",
        request.outputParameterName(), false, null, null);
  }

  @Override
  public BuildProgress progress() {
    return new BuildProgress(null, List.of(), null, "stack", null, null, null, false, null, null, null);
  }
}

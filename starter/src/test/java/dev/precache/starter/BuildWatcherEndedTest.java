package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildStep;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.CanceledFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildWatcherEndedTest {

  private static WorkflowFailedException cancelled() {
    return new WorkflowFailedException(WorkflowExecution.newBuilder().setWorkflowId("precache-x").build(),
        "SnapshotBuildWorkflow", EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, 0,
        RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, new CanceledFailure("cancelled"));
  }

  private static BuildProgress progress(String snapshotId, String failure) {
    return new BuildProgress(BuildStep.CLEANUP, List.of(), 100, "stack", "i-1", snapshotId, failure, true, 50, null,
        null);
  }

  @Test
  void aCancelAfterPublishingSaysTheSnapshotWasKept() {
    String failure = "cancel arrived after snap-1 was published to /precache/gpu; nothing was undone";

    BuildWatcher.Outcome.Ended ended = BuildWatcher.ended(cancelled(), progress("snap-1", failure));

    assertThat(ended.state()).isEqualTo(BuildState.CANCELLED);
    assertThat(ended.error().getMessage()).isEqualTo("build cancelled at [9/9] Deleting stack and publishing ("
        + failure + "; teardown done)");
  }

  @Test
  void anOrdinaryCancelSaysTheTeardownRan() {
    BuildWatcher.Outcome.Ended ended = BuildWatcher.ended(cancelled(),
        progress(null, "cancelled during step 9/9 (Deleting stack and publishing)"));

    assertThat(ended.error().getMessage()).isEqualTo("build cancelled at [9/9] Deleting stack and publishing"
        + " (teardown done)");
  }
}

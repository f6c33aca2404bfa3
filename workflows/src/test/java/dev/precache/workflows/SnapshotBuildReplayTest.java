package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.precache.workflows.StackActivities.StackSpec;
import io.temporal.client.WorkflowClient;
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

/**
 * Replays recorded happy-path histories, so a change to the workflow that would break builds running while
 * it is deployed fails here: one from before images were resolved first (eight steps, no version marker) and
 * one of the current shape. Record the current shape after an intended, versioned change with
 * {@code mvn -o -pl workflows test -Dtest=SnapshotBuildReplayTest -Dprecache.recordHistory=true}, keeping the
 * older histories.
 */
class SnapshotBuildReplayTest {

  /** Recorded before the resolve step existed: replays through {@code Workflow.getVersion}'s default branch. */
  private static final String HISTORY = "histories/happy-path.json";
  private static final String RESOLVED_HISTORY = "histories/happy-path-resolved.json";

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  @Test
  void replaysTheRecordedHappyPath() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void replaysTheRecordedHappyPathThatResolvedFirst() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(RESOLVED_HISTORY, SnapshotBuildWorkflowImpl.class);
  }

  @Test
  void aWorkflowThatLaunchesBeforeResolvingCannotReplayTheResolvedHistory() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(RESOLVED_HISTORY,
        ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName());
  }

  @Test
  void aWorkflowThatReordersTheStepsCannotReplayIt() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, ChecksSsmFirst.class))
        .hasMessageContaining(NonDeterministicException.class.getName())
        .hasMessageContaining("AwaitSsmOnline");
  }

  @Test
  @EnabledIfSystemProperty(named = "precache.recordHistory", matches = "true")
  void recordTheHappyPath(TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws IOException {
    new FakeCloud().register(worker);
    env.start();
    FakeCloud.newBuild(client, worker, "happy-path-resolved").build(FakeCloud.request());

    String history = client.fetchHistory("happy-path-resolved").toJson(true);
    Files.writeString(Path.of("src/test/resources", RESOLVED_HISTORY), history);
  }

  /** The build as a careless refactoring might leave it: waiting for SSM before the stack exists. */
  public static class ChecksSsmFirst implements SnapshotBuildWorkflow {
    @Override
    public BuildResult build(BuildRequest input) {
      BuildRequest request = BuildRequestValidator.normalize(input);
      BuildIdentity identity = BuildIdentity.of(Workflow.getInfo().getWorkflowId(), Workflow.getInfo().getRunId(),
          request.name());
      Workflow.upsertTypedSearchAttributes(
          BuildSearchAttributes.STATUS.valueSet(BuildSearchAttributes.Status.RUNNING.name()),
          BuildSearchAttributes.REGION.valueSet(request.region()),
          BuildSearchAttributes.IMAGES.valueSet(request.images()),
          BuildSearchAttributes.BUILD_NAME.valueSet(request.name()));
      Workflow.newTimer(request.timeout());
      Workflow.newActivityStub(InstanceActivities.class, BuildTimeouts.AWAIT_SSM)
          .awaitSsmOnline(request.region(), FakeCloud.INSTANCE_ID);
      Workflow.newActivityStub(StackActivities.class, BuildTimeouts.DEPLOY_STACK)
          .deployStack(new StackSpec(identity, request));
      return null;
    }

    @Override
    public BuildProgress progress() {
      return null;
    }
  }
}

package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.precache.workflows.BuilderActivities.BuilderStack;
import dev.precache.workflows.BuilderActivities.Outcome;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mockito.InOrder;

/** The deploy step launches with the builder stack's instance profile, unless the build brings its own role. */
class BuilderStackWorkflowTest {

  @RegisterExtension
  final TestWorkflowExtension testWorkflow = FakeCloud.extension();

  private final FakeCloud cloud = new FakeCloud();

  @Test
  void aBuildEnsuresTheBuilderStackThenLaunchesWithItsProfileAndNeverDeletesIt(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    cloud.register(worker);
    env.start();

    BuildResult result = FakeCloud.newBuild(client, worker, "with-builder").build(FakeCloud.request());

    InOrder deploy = inOrder(cloud.builder, cloud.stack);
    deploy.verify(cloud.builder).ensureBuilderStack(FakeCloud.REGION);
    deploy.verify(cloud.stack).deployStack(argThat(spec -> FakeCloud.BUILDER_PROFILE.equals(spec.instanceProfileName())));
    deploy.verify(cloud.stack).deleteStack(FakeCloud.REGION, result.stackName());
    verify(cloud.builder, never()).deleteBuilderStack(any());
    verify(cloud.stack, never()).deleteStack(any(), eq(BuilderActivities.STACK_NAME));
  }

  @Test
  void aBuildWithItsOwnRoleLeavesTheBuilderStackAlone(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    cloud.register(worker);
    env.start();
    BuildRequest ownRole = BuildRequestValidatorTest.with(FakeCloud.request(), "instanceRole", "team-build-role");

    FakeCloud.newBuild(client, worker, "own-role").build(ownRole);

    verify(cloud.builder, never()).ensureBuilderStack(any());
    verify(cloud.stack).deployStack(argThat(spec -> spec.instanceProfileName() == null
        && "team-build-role".equals(spec.request().instanceRole())));
  }

  @Test
  void aBuilderStackThatCannotBeMadeFailsTheDeployStepBeforeAnyBuildStackIsAskedFor(TestWorkflowEnvironment env,
      WorkflowClient client, Worker worker) {
    doThrow(ApplicationFailure.newNonRetryableFailure("builder stack precache-builder failed (ROLLBACK_COMPLETE)",
        BuildFailures.STACK_FAILED)).when(cloud.builder).ensureBuilderStack(any());
    cloud.register(worker);
    env.start();

    WorkflowFailedException failed = catchThrowableOfType(WorkflowFailedException.class,
        () -> FakeCloud.newBuild(client, worker, "builder-failed").build(FakeCloud.request()));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getOriginalMessage()).startsWith("step 2/9 (")
        .endsWith("failed: builder stack precache-builder failed (ROLLBACK_COMPLETE)");
    assertThat(failure.getType()).isEqualTo(BuildFailures.STACK_FAILED);
    verify(cloud.stack, never()).deployStack(any());
    verify(cloud.builder, never()).deleteBuilderStack(any());
  }

  @Test
  void setupEnsuresOrDeletesTheRegionsBuilderStack(TestWorkflowEnvironment env, WorkflowClient client,
      Worker worker) {
    worker.registerWorkflowImplementationTypes(BuilderSetupWorkflowImpl.class);
    BuilderStack deleted = new BuilderStack(FakeCloud.REGION, BuilderActivities.STACK_NAME, 1, null, null,
        Outcome.DELETED);
    when(cloud.builder.deleteBuilderStack(FakeCloud.REGION)).thenReturn(deleted);
    cloud.register(worker);
    env.start();

    BuilderStack ensured = setup(client, worker, false).setup(FakeCloud.REGION, false);
    BuilderStack removed = setup(client, worker, true).setup(FakeCloud.REGION, true);

    assertThat(ensured.instanceProfileName()).isEqualTo(FakeCloud.BUILDER_PROFILE);
    assertThat(removed).isEqualTo(deleted);
    verify(cloud.builder).ensureBuilderStack(FakeCloud.REGION);
    verify(cloud.builder).deleteBuilderStack(FakeCloud.REGION);
  }

  private static BuilderSetupWorkflow setup(WorkflowClient client, Worker worker, boolean delete) {
    return client.newWorkflowStub(BuilderSetupWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(worker.getTaskQueue())
        .setWorkflowId(BuilderSetupWorkflow.workflowId(FakeCloud.REGION, delete))
        .build());
  }
}

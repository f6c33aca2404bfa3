package dev.precache.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.withSettings;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.PublishActivities;
import dev.precache.workflows.CopyActivities;
import dev.precache.workflows.NodeClassActivities;
import dev.precache.workflows.JanitorActivities;
import dev.precache.workflows.RegistryActivities;
import dev.precache.workflows.RetentionActivities;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.StackActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker on the embedded dev server: loopback only, search attributes, registration, graceful shutdown. */
class WorkerHostTest {
  private final PublishActivities publish = mock(PublishActivities.class, withSettings().withoutAnnotations());
  private final BuildImplementations implementations = new BuildImplementations(PublishOnlyWorkflow.class,
      mock(StackActivities.class, withSettings().withoutAnnotations()),
      mock(InstanceActivities.class, withSettings().withoutAnnotations()),
      mock(SnapshotActivities.class, withSettings().withoutAnnotations()),
      publish,
      mock(RegistryActivities.class, withSettings().withoutAnnotations()),
      mock(BuilderActivities.class, withSettings().withoutAnnotations()),
      mock(RetentionActivities.class, withSettings().withoutAnnotations()),
      mock(JanitorActivities.class, withSettings().withoutAnnotations()),
      mock(CopyActivities.class, withSettings().withoutAnnotations()),
      mock(NodeClassActivities.class, withSettings().withoutAnnotations()));

  private DevServer server;
  private WorkflowServiceStubs stubs;
  private WorkflowClient client;

  @BeforeEach
  void startServer() throws Exception {
    server = DevServer.start(0);
    stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(server.target()).build());
    client = WorkflowClient.newInstance(stubs);
  }

  @AfterEach
  void stopServer() throws Exception {
    stubs.shutdownNow();
    server.close();
  }

  private SnapshotBuildWorkflow newBuild() {
    return client.newWorkflowStub(SnapshotBuildWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("precache-test-" + System.nanoTime())
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(BuildSearchAttributes.STATUS, BuildSearchAttributes.Status.RUNNING.name())
            .set(BuildSearchAttributes.IMAGES, List.of("nginx:1.27"))
            .build())
        .build());
  }

  private static BuildRequest request() {
    return new BuildRequest("t", "us-west-2", List.of("nginx:1.27"), List.of("linux/amd64"), "/ami", "m5.large",
        false, null, 50, null, null, null, "/precache/snapshot", true, Map.of(), Duration.ofMinutes(5), 4,
        null, null);
  }

  @Test
  void devServerListensOnLoopbackOnly() {
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(server.target()).startsWith("127.0.0.1:");
  }

  @Test
  void runsABuildStartedWithPrecacheSearchAttributes() {
    try (WorkerHost host = WorkerHost.start(client, implementations, 4)) {
      // The start is refused unless the dev server registered the search attributes.
      BuildResult result = newBuild().build(request());

      assertThat(result.snapshotId()).isEqualTo(PublishOnlyWorkflow.SNAPSHOT_ID);
      verify(publish).publishSnapshotId("us-west-2", "/precache/snapshot", PublishOnlyWorkflow.SNAPSHOT_ID);
    }
  }

  @Test
  void shutdownLetsARunningActivityFinish() throws Exception {
    CountDownLatch activityStarted = new CountDownLatch(1);
    AtomicBoolean activityFinished = new AtomicBoolean();
    doAnswer(invocation -> {
      activityStarted.countDown();
      Thread.sleep(1_000);
      activityFinished.set(true);
      return null;
    }).when(publish).publishSnapshotId(any(), any(), any());
    WorkerHost host = WorkerHost.start(client, implementations, 4);
    CompletableFuture<BuildResult> build = WorkflowClient.execute(newBuild()::build, request());
    assertThat(activityStarted.await(30, TimeUnit.SECONDS)).isTrue();

    host.shutdown(Duration.ofSeconds(10));

    assertThat(activityFinished).isTrue();
    assertThat(host.isTerminated()).isTrue();
    assertThat(build).isNotDone(); // no worker left to run the workflow's next task
  }
}

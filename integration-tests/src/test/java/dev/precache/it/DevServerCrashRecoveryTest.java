package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server dies mid-build (SIGKILL) and comes back on the same SQLite file: the build carries on. */
class DevServerCrashRecoveryTest {
  @RegisterExtension
  static final TemporalDevServer temporal = new TemporalDevServer();

  private static final String WORKFLOW_ID = "it-crash-recovery";

  @BeforeAll
  static void startWorker() {
    temporal.startWorker(SnapshotBuildWorkflow.TASK_QUEUE, worker -> worker.registerWorkflowImplementationFactory(
        SnapshotBuildWorkflow.class, () -> new FakeSnapshotBuildWorkflow(Duration.ofSeconds(5))));
  }

  @Test
  void buildCompletesAfterTheServerIsKilledAndRestarted() throws Exception {
    WorkflowClient client = temporal.client();
    SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(WORKFLOW_ID).setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).build());
    String runId = WorkflowClient.start(workflow::build,
        FakeSnapshotBuildWorkflow.request("crash", "us-west-2", List.of("ghcr.io/llm-d/llm-d:v0.3.0"))).getRunId();
    awaitEvent(client, EventType.EVENT_TYPE_TIMER_STARTED);
    assertThat(eventTypes(client)).as("killed mid-build").doesNotContain(EventType.EVENT_TYPE_TIMER_FIRED);

    temporal.kill();
    temporal.restart();

    BuildResult result = client.newUntypedWorkflowStub(WORKFLOW_ID, Optional.of(runId), Optional.empty())
        .getResult(60, TimeUnit.SECONDS, BuildResult.class);
    assertThat(result.snapshotId()).startsWith("snap-");
    assertThat(eventTypes(client))
        .as("the same run finished from its persisted timer")
        .containsOnlyOnce(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EventType.EVENT_TYPE_TIMER_FIRED)
        .endsWith(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  }

  private static void awaitEvent(WorkflowClient client, EventType type) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    while (!eventTypes(client).contains(type) && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
    assertThat(eventTypes(client)).contains(type);
  }

  private static List<EventType> eventTypes(WorkflowClient client) {
    return client.fetchHistory(WORKFLOW_ID).getEvents().stream().map(HistoryEvent::getEventType).toList();
  }
}

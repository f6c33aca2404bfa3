package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleException;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A nightly rebuild as a Temporal Schedule: the embedded test server has no Schedules, the real one does. */
class BuildScheduleTest {
  @RegisterExtension
  static final TemporalDevServer temporal = new TemporalDevServer();

  private static final String SCHEDULE_ID = "it-nightly-gpu";

  @BeforeAll
  static void startWorker() {
    temporal.startWorker(SnapshotBuildWorkflow.TASK_QUEUE, worker -> worker.registerWorkflowImplementationFactory(
        SnapshotBuildWorkflow.class, () -> new FakeSnapshotBuildWorkflow(Duration.ofSeconds(1))));
  }

  @Test
  void triggeredScheduleBuildsAndCanBePausedAndDeleted() throws Exception {
    ScheduleClient schedules = temporal.scheduleClient();
    ScheduleHandle handle = schedules.createSchedule(SCHEDULE_ID, nightlyBuild(), ScheduleOptions.newBuilder().build());

    handle.trigger();
    ScheduleActionExecutionStartWorkflow started = awaitFirstAction(handle);
    BuildResult result = temporal.client()
        .newUntypedWorkflowStub(started.getWorkflowId(), Optional.of(started.getFirstExecutionRunId()), Optional.empty())
        .getResult(30, TimeUnit.SECONDS, BuildResult.class);
    assertThat(result.region()).isEqualTo("us-east-1");
    assertThat(started.getWorkflowId()).as("each scheduled run has its own workflow ID")
        .startsWith("it-nightly-gpu-build-").isNotEqualTo("it-nightly-gpu-build");
    VisibilityQueries.awaitExactly(temporal.client(),
        "PrecacheScheduleId = '" + SCHEDULE_ID + "' AND PrecacheStatus = 'SUCCEEDED'", Set.of(started.getWorkflowId()));

    handle.pause("paused by the integration test");
    ScheduleDescription paused = handle.describe();
    assertThat(paused.getSchedule().getState().isPaused()).isTrue();
    assertThat(paused.getSchedule().getState().getNote()).isEqualTo("paused by the integration test");
    assertThat(paused.getInfo().getNumActions()).isEqualTo(1);

    handle.delete();
    assertThatThrownBy(handle::describe).as("describe after delete")
        .isInstanceOf(ScheduleException.class)
        .rootCause().hasMessageContaining("NOT_FOUND");
  }

  /** Every night at 03:00 UTC, so it never fires by itself during the test; the test triggers it. */
  private static Schedule nightlyBuild() {
    WorkflowOptions runOptions = WorkflowOptions.newBuilder()
        .setWorkflowId("it-nightly-gpu-build")
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setTypedSearchAttributes(SearchAttributes.newBuilder().set(BuildSearchAttributes.SCHEDULE_ID, SCHEDULE_ID).build())
        .build();
    return Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(SnapshotBuildWorkflow.class)
            .setArguments(FakeSnapshotBuildWorkflow.request("nightly-gpu", "us-east-1",
                List.of("public.ecr.aws/vllm/vllm-openai:v0.11.0")))
            .setOptions(runOptions)
            .build())
        .setSpec(ScheduleSpec.newBuilder().setCronExpressions(List.of("0 3 * * *")).setTimeZoneName("UTC").build())
        .build();
  }

  private static ScheduleActionExecutionStartWorkflow awaitFirstAction(ScheduleHandle handle)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    List<ScheduleActionResult> actions = handle.describe().getInfo().getRecentActions();
    while (actions.isEmpty() && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      actions = handle.describe().getInfo().getRecentActions();
    }
    assertThat(actions).as("actions of the triggered schedule").hasSize(1);
    return (ScheduleActionExecutionStartWorkflow) actions.get(0).getAction();
  }
}

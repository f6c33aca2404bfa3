package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;

/**
 * The server dies (SIGKILL) mid-pull and comes back on the same SQLite file: the same build run carries on, and a
 * {@code watch} attached to it rides out the outage and exits as the build does.
 */
class DevServerCrashRecoveryTest extends CrashRecoveryTest {
  @RegisterExtension
  @Order(3)
  static final InProcessWorker worker = new InProcessWorker(temporal, aws);

  @Test
  void buildCompletesAfterTheServerIsKilledMidPullAndRestarted() throws Exception {
    WorkflowClient client = temporal.client();
    Cli.Run started = new Cli(client).run("build", "--detach", "--name", "crash", "-r", "us-west-2", LLAMA);
    assertThat(started.exitCode()).as("%s", started).isZero();
    String workflowId = started.out().strip().lines().reduce((first, last) -> last).orElseThrow();
    String runId = client.newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId();
    PendingActivities.awaitHeartbeat(client, workflowId, "PullImage", Duration.ofSeconds(30));
    CompletableFuture<Cli.Run> watching = CompletableFuture.supplyAsync(() -> new Cli(client).run("watch", workflowId));
    Thread.sleep(1_000);

    temporal.kill();
    assertThat(aws.pullCommandIds(LLAMA)).hasSize(1);
    assertThat(aws.commandStatus("us-west-2", aws.pullCommandIds(LLAMA).get(0))).as("the pull when the server died")
        .isEqualTo(CommandInvocationStatus.IN_PROGRESS);
    temporal.restart();

    BuildResult result = client.newUntypedWorkflowStub(workflowId, Optional.of(runId), Optional.empty())
        .getResult(90, TimeUnit.SECONDS, BuildResult.class);
    assertThat(aws.snapshotIds()).containsExactly(result.snapshotId());
    assertThat(aws.snapshotContents(result.snapshotId())).containsExactly(LLAMA + " linux/amd64");
    assertThat(aws.pullCommandIds(LLAMA)).as("pull commands sent").hasSize(1);
    aws.assertNothingLeft();
    Cli.Run watched = watching.get(60, TimeUnit.SECONDS);
    assertThat(watched.exitCode()).as("%s", watched).isZero();
    // The client's own retries may hide a short outage; one watch noticed is one it says it rode out.
    if (watched.err().contains("still following " + workflowId)) {
      assertThat(watched.err()).as("%s", watched).contains("the Temporal server answers again");
    }
    assertThat(watched.out()).as("%s", watched).contains(result.snapshotId());
    assertThat(client.fetchHistory(workflowId).getEvents().stream().map(HistoryEvent::getEventType).toList())
        .as("the same run finished")
        .containsOnlyOnce(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
        .endsWith(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  }
}

package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;

/**
 * The worker process dies (SIGKILL) mid-pull; once its heartbeat timeout (30 s) has passed, a new worker process
 * resumes the pull from the command ID the dead one heartbeated, and the build ends as if nothing happened.
 */
class WorkerCrashRecoveryTest extends CrashRecoveryTest {
  @Test
  void buildCompletesAfterTheWorkerIsKilledMidPullAndStartedAgain() throws Exception {
    WorkflowClient client = temporal.client();
    String workflowId;
    try (WorkerProcess first = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL)) {
      Cli.Run started = new Cli(client).run("build", "--detach", "--name", "worker-crash", "-r", "us-west-2", LLAMA);
      assertThat(started.exitCode()).as("%s", started).isZero();
      workflowId = started.out().strip().lines().reduce((earlier, last) -> last).orElseThrow();
      PendingActivities.awaitHeartbeat(client, workflowId, "PullImage", Duration.ofSeconds(30));
      first.kill();
    }
    assertThat(aws.pullCommandIds(LLAMA)).hasSize(1);
    assertThat(aws.commandStatus("us-west-2", aws.pullCommandIds(LLAMA).get(0))).as("the pull when the worker died")
        .isEqualTo(CommandInvocationStatus.IN_PROGRESS);

    try (WorkerProcess second = WorkerProcess.start(temporal.target(), aws, InProcessWorker.AWS_POLL_INTERVAL)) {
      BuildResult result = client.newUntypedWorkflowStub(workflowId)
          .getResult(120, TimeUnit.SECONDS, BuildResult.class);

      assertThat(aws.snapshotIds()).containsExactly(result.snapshotId());
      assertThat(aws.snapshotContents(result.snapshotId())).containsExactly(LLAMA + " linux/amd64");
      assertThat(aws.pullCommandIds(LLAMA)).as("pull commands sent: the retry resumed the first").hasSize(1);
      aws.assertNothingLeft();
    }
  }
}

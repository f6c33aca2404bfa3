package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;

/**
 * The worker process dies (SIGKILL) mid-pull; once its heartbeat timeout (30 s) has passed, a new worker process
 * resumes the pull from the command ID the dead one heartbeated, and the build ends as if nothing happened.
 */
class WorkerCrashRecoveryTest {
  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  /** Slower than the other tests so that the pull is still running when the worker is killed. */
  @RegisterExtension
  @Order(2)
  static final SimulatedAws aws = new SimulatedAws(0.02);

  /** 16.1 GB: about two minutes of simulated pull, a few seconds of real time. */
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";

  @Test
  void buildCompletesAfterTheWorkerIsKilledMidPullAndStartedAgain() throws Exception {
    WorkflowClient client = temporal.client();
    String workflowId;
    try (WorkerProcess first = WorkerProcess.start(temporal.target(), aws.endpoint(), InProcessWorker.AWS_POLL_INTERVAL)) {
      Cli.Run started = new Cli(client).run("build", "--detach", "--name", "worker-crash", "-r", "us-west-2", LLAMA);
      assertThat(started.exitCode()).as("%s", started).isZero();
      workflowId = started.out().strip().lines().reduce((earlier, last) -> last).orElseThrow();
      PendingActivities.awaitHeartbeat(client, workflowId, "PullImage", Duration.ofSeconds(30));
      first.kill();
    }
    assertThat(aws.pullCommandIds(LLAMA)).hasSize(1);
    assertThat(aws.commandStatus("us-west-2", aws.pullCommandIds(LLAMA).get(0))).as("the pull when the worker died")
        .isEqualTo(CommandInvocationStatus.IN_PROGRESS);

    try (WorkerProcess second = WorkerProcess.start(temporal.target(), aws.endpoint(), InProcessWorker.AWS_POLL_INTERVAL)) {
      BuildResult result = client.newUntypedWorkflowStub(workflowId)
          .getResult(120, TimeUnit.SECONDS, BuildResult.class);

      assertThat(aws.snapshotIds()).containsExactly(result.snapshotId());
      assertThat(aws.snapshotContents(result.snapshotId())).containsExactly(LLAMA + " linux/amd64");
      assertThat(aws.pullCommandIds(LLAMA)).as("pull commands sent: the retry resumed the first").hasSize(1);
      aws.assertNothingLeft();
    }
  }
}

package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.worker.LoopbackPorts;
import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's local mode: {@code worker --dev} with the Temporal CLI installed, stopped with SIGTERM mid-pull and
 * started again on the same data directory, finds its build in the dev server's SQLite file and completes it,
 * leaving nothing behind. (On the in-memory server of old, the build and its teardown died with the process.)
 */
class DevWorkerRestartTest {
  @RegisterExtension
  static final SimulatedAws aws = new SimulatedAws(0.02);

  /** 16.1 GB: about two minutes of simulated pull, a few seconds of real time. */
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";

  @Test
  void aBuildStartedOnWorkerDevSurvivesAStopAndRestartOfTheWorker() throws Exception {
    Path temporalCli = TemporalDevServer.binary();
    Path data = BuildDirectory.newDirectory("dev-worker-");
    int port = LoopbackPorts.reserve();
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(LoopbackPorts.HOST + ":" + port).build());
    WorkflowClient client = WorkflowClient.newInstance(stubs,
        WorkflowClientOptions.newBuilder().setNamespace(TemporalDevServer.NAMESPACE).build());
    try {
      String workflowId;
      try (WorkerProcess first = WorkerProcess.startDev(temporalCli, data, port, aws,
          InProcessWorker.AWS_POLL_INTERVAL)) {
        Cli.Run started = new Cli(client).run("build", "--detach", "--name", "dev-restart", "-r", "us-west-2", LLAMA);
        assertThat(started.exitCode()).as("%s", started).isZero();
        workflowId = started.out().strip();
        // The first build of a fresh cloud makes the builder stack first (150 s simulated, 3 s here): allow for it
        // on a loaded machine.
        PendingActivities.awaitHeartbeat(client, workflowId, "PullImage", Duration.ofSeconds(60));
      } // SIGTERM: the worker stops, and its dev server with it
      assertThat(listening(port)).as("the dev server stopped with the worker").isFalse();

      try (WorkerProcess second = WorkerProcess.startDev(temporalCli, data, port, aws,
          InProcessWorker.AWS_POLL_INTERVAL)) {
        BuildResult result = client.newUntypedWorkflowStub(workflowId).getResult(150, TimeUnit.SECONDS, BuildResult.class);

        assertThat(aws.snapshotIds()).containsExactly(result.snapshotId());
        assertThat(aws.snapshotContents(result.snapshotId())).containsExactly(LLAMA + " linux/amd64");
        assertThat(aws.pullCommandIds(LLAMA)).as("the retried pull resumed the first command").hasSize(1);
        aws.assertNothingLeft();
      }
    } finally {
      stubs.shutdownNow();
    }
    assertThat(data.resolve("dev.db")).exists();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket(LoopbackPorts.HOST, port)) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}

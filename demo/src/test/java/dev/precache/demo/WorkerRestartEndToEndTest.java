package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static dev.precache.demo.SimulatedCloudAssertions.pullCommandsFor;
import static dev.precache.demo.SimulatedCloudAssertions.pulling;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotBuildWorkflowImpl;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.worker.WorkerFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged worker, run as a child process the way users run it, is killed (SIGKILL) in the middle of a long
 * pull and started again: Temporal notices the lost heartbeat and retries the pull on the new worker, which
 * resumes the SSM command the first one sent instead of pulling again.
 *
 * <p>The child runs activities only ({@code --activities-only}) and the workflow runs in this JVM. The embedded
 * server (the Java test server) sends a workflow's tasks and queries to the sticky queue of the worker that last
 * ran it and, unlike a real Temporal server, never falls back to the normal queue: a killed workflow worker would
 * strand the build. Killing a whole worker on a real server is the integration tests' case.
 */
class WorkerRestartEndToEndTest {
  /** Slow enough that the 16 GB pull lasts a few real seconds, to be killed in the middle of. */
  private static final double TIME_SCALE = 0.02;
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  /** {@code mvn verify} packages the worker module before it runs this module's tests. */
  private static final Path WORKER_JAR = Path.of("..", "worker", "target", "precache-worker.jar");

  private LocalCloud local;
  private WorkerFactory workflowWorker;
  private final List<Process> workers = new ArrayList<>();
  /** Kills the children should this JVM be stopped before {@link #stop()} runs. */
  private final Thread killWorkers = new Thread(() -> workers.forEach(Process::destroyForcibly));

  @BeforeEach
  void start() throws Exception {
    assertThat(WORKER_JAR).as("the packaged worker; build it with mvn package or verify").exists();
    Runtime.getRuntime().addShutdownHook(killWorkers);
    local = LocalCloud.serversOnly(TIME_SCALE);
    workflowWorker = WorkerFactory.newInstance(local.client());
    workflowWorker.newWorker(SnapshotBuildWorkflow.TASK_QUEUE)
        .registerWorkflowImplementationTypes(SnapshotBuildWorkflowImpl.class);
    workflowWorker.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (Process worker : workers) {
      worker.destroyForcibly();
      worker.waitFor(10, TimeUnit.SECONDS);
    }
    Runtime.getRuntime().removeShutdownHook(killWorkers);
    workflowWorker.shutdownNow();
    workflowWorker.awaitTermination(5, TimeUnit.SECONDS);
    local.close();
  }

  @Test
  void buildWhoseWorkerIsKilledMidPullCompletesOnANewWorkerWithOneSnapshotAndOnePull() throws Exception {
    Cloud cloud = local.cloud();
    Process first = startWorker(1);
    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "--detach", "-q", LLAMA + "," + BUSYBOX);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    awaitUntil("the 16 GB model pulling, its command ID heartbeated", Duration.ofSeconds(90),
        () -> pulling(local.client(), workflowId, cloud, LLAMA) && pullHeartbeated(workflowId));

    first.destroyForcibly();
    assertThat(first.waitFor(10, TimeUnit.SECONDS)).as("first worker killed").isTrue();
    startWorker(2);
    CliRun watched = local.runCli("watch", workflowId);

    assertThat(watched.exitCode()).as(watched.err()).isZero();
    BuildResult result = local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
    assertThat(cloud.allSnapshots()).extracting(Snapshot::id).containsExactly(result.snapshotId());
    assertThat(VerifiedSnapshot.of(result, cloud).images()).extracting(VerifiedSnapshot.Row::image)
        .containsExactlyInAnyOrder(LLAMA, BUSYBOX);
    assertThat(pullCommandsFor(cloud, LLAMA)).as("the retried pull resumed the first command").hasSize(1);
    assertNothingLeft(cloud);
  }

  /** Whether a pull activity has recorded a heartbeat, whose details are what a retry resumes from. */
  private boolean pullHeartbeated(String workflowId) {
    DescribeWorkflowExecutionResponse described = local.client().getWorkflowServiceStubs().blockingStub()
        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(local.client().getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
    return described.getPendingActivitiesList().stream()
        .anyMatch(activity -> activity.getActivityType().getName().equals("PullImage")
            && activity.hasHeartbeatDetails());
  }

  /** The worker jar, activities only, with dummy credentials, pointed at this test's simulator and Temporal server only. */
  private Process startWorker(int ordinal) throws IOException {
    Path log = Files.createDirectories(Path.of("target")).resolve("worker-restart-" + ordinal + ".log");
    // The file form of the registry mapping: what the simulator's GET /_sim/registries answers.
    Path registries = Path.of("target").resolve("worker-restart-registries.json");
    Files.writeString(registries, new ObjectMapper().writeValueAsString(local.registryEndpoints().mapping()));
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Daws.disableEc2Metadata=true",
        "-jar", WORKER_JAR.toString(),
        "--activities-only",
        "--aws-endpoint", local.simulatorEndpoint(),
        "--aws-poll-interval", String.valueOf(local.pollInterval().toMillis()),
        "--registry-endpoints-file", registries.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("TEMPORAL_") || name.startsWith("AWS_"));
    env.putAll(Map.of(
        "TEMPORAL_ADDRESS", local.temporalTarget(),
        "AWS_ACCESS_KEY_ID", LocalCloud.ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY", LocalCloud.SECRET_ACCESS_KEY,
        "AWS_REGION", LocalCloud.REGION,
        "AWS_EC2_METADATA_DISABLED", "true"));
    Process worker = builder.start();
    workers.add(worker);
    return worker;
  }
}

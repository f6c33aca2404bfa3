package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI against an in-process Temporal server in real time, with a fake workflow on the task queue. */
class BuildCommandEndToEndTest {
  private static final String IMAGES = "public.ecr.aws/models/llama:1,docker.io/library/nginx:1.27";

  private TestWorkflowEnvironment temporal;
  private WorkflowClient client;

  @BeforeEach
  void startTemporal() {
    temporal = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    BuildSearchAttributes.ALL.forEach(key -> temporal.registerSearchAttribute(key.getName(), key.getValueType()));
    Worker worker = temporal.newWorker(SnapshotBuildWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FakeSnapshotBuildWorkflow.class);
    temporal.start();
    client = temporal.getWorkflowClient();
  }

  @AfterEach
  void stopTemporal() {
    temporal.close();
  }

  /** One CLI invocation: its exit code and what it printed. */
  private record Run(int exit, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }
  }

  private Run precache(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new PrecacheCli(() -> TemporalConnection.borrowing(client),
        Duration.ofMillis(100)).commandLine()
        .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void buildPrintsEachStepOnceEachPullAndTheSnapshot() {
    Run run = precache("build", "-r", "us-west-2", "-A", "amd64", IMAGES);

    assertThat(run.exit()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines.get(0)).startsWith("Started build precache-build-");
    assertThat(lines.stream().filter(line -> line.matches("\\[\\d/9] .*")).toList()).containsExactly(
        "[1/9] Resolving images",
        "[2/9] Deploying build instance stack",
        "[3/9] Waiting for the SSM agent to come online",
        "[4/9] Stopping kubelet and removing cached images",
        "[5/9] Pulling images",
        "[6/9] Verifying cached images",
        "[7/9] Stopping instance",
        "[8/9] Creating snapshot",
        "[9/9] Deleting stack and publishing");
    int pullStep = lines.indexOf("[5/9] Pulling images");
    assertThat(lines.subList(pullStep + 1, pullStep + 3)).containsExactly(
        "  ✓ public.ecr.aws/models/llama:1 (linux/amd64) " + FakeSnapshotBuildWorkflow.digestOf(0),
        "  ✓ docker.io/library/nginx:1.27 (linux/amd64) " + FakeSnapshotBuildWorkflow.digestOf(1));
    // Which percents are seen depends on when the polls fall; each is printed once.
    List<String> percents = lines.stream().filter(line -> line.startsWith("  snap-0123456789abcdef0 ")).toList();
    assertThat(percents).isNotEmpty().doesNotHaveDuplicates().allMatch(line -> line.matches(".* (0|25|50|75|100)%"));
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("All done! Created snapshot in us-west-2: snap-0123456789abcdef0");
  }

  @Test
  void quietPrintsOnlyTheSnapshotId() {
    Run run = precache("build", "-q", IMAGES);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("snap-0123456789abcdef0" + System.lineSeparator());
  }

  @Test
  void detachPrintsTheWorkflowIdOfARunningBuild() {
    Run run = precache("build", "--detach", "--name", "nightly", IMAGES);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.outLines()).hasSize(1);
    String workflowId = run.outLines().get(0);
    assertThat(run.err()).startsWith("Started build " + workflowId + " on ");
    assertThat(workflowId).startsWith("precache-nightly-");
    assertThat(client.newUntypedWorkflowStub(workflowId).describe().getStatus().name()).endsWith("RUNNING");
  }

  @Test
  void failedBuildExitsOneNamingTheStepAndTheCause() {
    Run run = precache("build", "--name", FakeSnapshotBuildWorkflow.FAILING_NAME, IMAGES);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo(
        "error: build failed at [5/9] Pulling images (pull access denied for docker.io/library/nginx:1.27)");
    assertThat(run.out()).contains("  ✓ public.ecr.aws/models/llama:1 (linux/amd64)",
        "  ✗ docker.io/library/nginx:1.27 (linux/amd64): pull access denied").doesNotContain("All done!", "[6/9]");
  }

  @Test
  void theSameBuildStartedTwiceAttachesToTheRunningOne() throws Exception {
    String workflowId = precache("build", "--detach", IMAGES).outLines().get(0);
    String firstRunId = client.newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId();

    Run second = precache("build", IMAGES);

    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(second.outLines().get(0)).startsWith("attaching to running build " + workflowId + " on ");
    assertThat(second.out()).doesNotContain("Started build")
        .endsWith("All done! Created snapshot in us-west-2: snap-0123456789abcdef0" + System.lineSeparator());
    assertThat(client.newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId()).isEqualTo(firstRunId);
  }

  @Test
  void attachingWithAnotherTimeoutOrParallelismSaysTheRunningBuildKeepsItsOwn() {
    String workflowId = precache("build", "--detach", "--timeout", "2h", "--parallelism", "2", IMAGES)
        .outLines().get(0);

    Run same = precache("build", "--detach", "--timeout", "2h", "--parallelism", "2", IMAGES);
    Run other = precache("build", "--detach", "--timeout", "5h", "--parallelism", "8", IMAGES);

    assertThat(same.exit()).isZero();
    assertThat(same.err()).contains("attaching to running build " + workflowId).doesNotContain("note:");
    assertThat(other.exit()).isZero();
    assertThat(other.out().strip()).isEqualTo(workflowId);
    assertThat(other.err()).contains("attaching to running build " + workflowId);
    assertThat(other.err().lines().filter(line -> line.startsWith("note:"))).containsExactly(
        "note: --timeout 5h is ignored: the running build keeps its 2h",
        "note: --parallelism 8 is ignored: the running build keeps its 2");
  }

  @Test
  void aBuildWithoutParallelismLeavesItToTheWorkflowsPlanAndOneWithItSaysSo() {
    String planned = precache("build", "--detach", "-r", "us-west-2", IMAGES).outLines().get(0);
    String asked = precache("build", "--detach", "-r", "us-west-2", "--name", "asked", "--parallelism", "3", IMAGES)
        .outLines().get(0);

    // Filled with the validator's default of 4, the workflow would take it as asked for and never plan its own.
    assertThat(startedWith(planned).pullParallelism()).isNull();
    assertThat(startedWith(asked).pullParallelism()).isEqualTo(3);
    Run attached = precache("build", "--detach", "-r", "us-west-2", "--parallelism", "8", IMAGES);
    assertThat(attached.err().lines().filter(line -> line.startsWith("note:"))).containsExactly(
        "note: --parallelism 8 is ignored: the running build keeps its planned parallelism");
  }

  private BuildRequest startedWith(String workflowId) {
    HistoryEvent first = client.fetchHistory(workflowId).getEvents().get(0);
    return DefaultDataConverter.newDefaultInstance().fromPayloads(0,
        Optional.of(first.getWorkflowExecutionStartedEventAttributes().getInput()), BuildRequest.class,
        BuildRequest.class);
  }

  @Test
  void watchFollowsARunningBuildLikeBuildDoes() {
    String workflowId = precache("build", "--detach", IMAGES).outLines().get(0);

    Run watch = precache("watch", workflowId);

    assertThat(watch.exit()).as(watch.err()).isZero();
    assertThat(watch.outLines()).contains("[1/9] Resolving images", "[9/9] Deleting stack and publishing")
        .last().isEqualTo("All done! Created snapshot in us-west-2: snap-0123456789abcdef0");
  }

  @Test
  void statusShowsStateAndStepAndCancelStopsTheBuild() {
    String workflowId = precache("build", "--detach", IMAGES).outLines().get(0);

    Run status = precache("status", workflowId);
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.outLines().get(0)).isEqualTo(workflowId + ": RUNNING");
    assertThat(status.outLines().get(1)).matches("\\[\\d/9] .*|not started yet.*");

    assertThat(precache("cancel", workflowId).exit()).isZero();
    Run watch = precache("watch", workflowId);
    assertThat(watch.exit()).isEqualTo(1);
    assertThat(watch.err()).contains("cancelled");
    assertThat(precache("status", workflowId).outLines().get(0)).isEqualTo(workflowId + ": CANCELLED");
  }

  @Test
  void listExplainsWhenTheServerHasNoVisibilityQueries() {
    Run run = precache("list");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).startsWith("error: cannot list builds (the Temporal server at ").contains("has no visibility queries");
  }

  @Test
  void buildCarriesASummaryDetailsAndSearchAttributesForTheWebUi() {
    String workflowId = precache("build", "--detach", "--name", "gpu-models", "-r", "us-west-2", "-A", "amd64,arm64",
        IMAGES).outLines().get(0);

    var description = client.newUntypedWorkflowStub(workflowId).describe();
    assertThat(description.getStaticSummary())
        .isEqualTo("precache build gpu-models: 2 images × 2 platforms → us-west-2");
    assertThat(description.getStaticDetails()).contains("- `public.ecr.aws/models/llama:1`",
        "- `docker.io/library/nginx:1.27`", "**Platforms:** linux/amd64, linux/arm64", "**Timeout:** 3h");
    var attributes = description.getTypedSearchAttributes();
    assertThat(attributes.get(BuildSearchAttributes.BUILD_NAME)).isEqualTo("gpu-models");
    assertThat(attributes.get(BuildSearchAttributes.REGION)).isEqualTo("us-west-2");
    assertThat(attributes.get(BuildSearchAttributes.IMAGES))
        .containsExactly("public.ecr.aws/models/llama:1", "docker.io/library/nginx:1.27");
  }

  @Test
  void scheduleCommandsExplainWhenTheServerHasNoSchedules() {
    Run run = precache("schedule", "list");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("does not support schedules");
  }
}

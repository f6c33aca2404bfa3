package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Builds are found by the search attributes they carry, through the real server's visibility store. */
class SearchableBuildsTest {
  @RegisterExtension
  static final TemporalDevServer temporal = new TemporalDevServer();

  private static final String VLLM = "public.ecr.aws/vllm/vllm-openai:v0.11.0";
  private static final String MODELCAR = "quay.io/kserve/modelcar-granite:3.3";
  private static final String LLM_D = "ghcr.io/llm-d/llm-d:v0.3.0";

  @BeforeAll
  static void startWorker() {
    temporal.startWorker(SnapshotBuildWorkflow.TASK_QUEUE, worker -> worker.registerWorkflowImplementationFactory(
        SnapshotBuildWorkflow.class, () -> new FakeSnapshotBuildWorkflow(Duration.ofSeconds(1))));
  }

  @Test
  void buildsAreListedByRegionImageStatusNameAndSnapshot() throws Exception {
    WorkflowClient client = temporal.client();
    BuildRequest vllm = FakeSnapshotBuildWorkflow.request("gpu-vllm", "us-west-2", List.of(VLLM, MODELCAR));
    BuildRequest llmd = FakeSnapshotBuildWorkflow.request("gpu-llm-d", "eu-west-1", List.of(LLM_D));

    BuildResult vllmResult = build(client, "it-search-vllm", vllm);
    build(client, "it-search-llm-d", llmd);

    VisibilityQueries.awaitExactly(client, "PrecacheRegion = 'eu-west-1'", Set.of("it-search-llm-d"));
    VisibilityQueries.awaitExactly(client, "PrecacheImages = '" + MODELCAR + "'", Set.of("it-search-vllm"));
    VisibilityQueries.awaitExactly(client, "PrecacheBuildName = 'gpu-llm-d'", Set.of("it-search-llm-d"));
    VisibilityQueries.awaitExactly(client, "PrecacheStatus = 'SUCCEEDED'", Set.of("it-search-vllm", "it-search-llm-d"));
    VisibilityQueries.awaitExactly(client, "PrecacheStatus = 'RUNNING'", Set.of());
    VisibilityQueries.awaitExactly(client,
        "PrecacheSnapshotId = '" + vllmResult.snapshotId() + "'", Set.of("it-search-vllm"));
    VisibilityQueries.awaitExactly(client,
        "PrecacheRegion = 'us-west-2' AND PrecacheImages = '" + LLM_D + "'", Set.of());

    WorkflowExecutionMetadata listed = client.listExecutions("WorkflowId = 'it-search-vllm'").findFirst().orElseThrow();
    assertThat(listed.getTypedSearchAttributes().get(BuildSearchAttributes.IMAGES)).containsExactly(VLLM, MODELCAR);
  }

  private static BuildResult build(WorkflowClient client, String workflowId, BuildRequest request)
      throws Exception {
    SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).build());
    WorkflowClient.start(workflow::build, request);
    return WorkflowStub.fromTyped(workflow).getResult(30, TimeUnit.SECONDS, BuildResult.class);
  }
}

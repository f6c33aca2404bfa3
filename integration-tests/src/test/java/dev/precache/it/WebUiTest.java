package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Builds show up in the dev server's Web UI, and the UI's own search-attribute filter finds them. */
class WebUiTest {
  @RegisterExtension
  static final TemporalDevServer temporal = new TemporalDevServer();

  private static final String US_BUILD = "it-ui-gpu-us-west-2";
  private static final String EU_BUILD = "it-ui-gpu-eu-west-1";
  /** The single-page app renders asynchronously; under load one Chromium run may dump it half-drawn. */
  private static final int ATTEMPTS = 4;

  private final Chromium chromium = new Chromium();

  @BeforeAll
  static void buildTwice() throws Exception {
    temporal.startWorker(SnapshotBuildWorkflow.TASK_QUEUE, worker -> worker.registerWorkflowImplementationFactory(
        SnapshotBuildWorkflow.class, () -> new FakeSnapshotBuildWorkflow(Duration.ofMillis(500))));
    build(US_BUILD, "us-west-2");
    build(EU_BUILD, "eu-west-1");
    VisibilityQueries.awaitExactly(temporal.client(), "PrecacheStatus = 'SUCCEEDED'", Set.of(US_BUILD, EU_BUILD));
  }

  @Test
  void workflowListShowsTheBuilds() throws Exception {
    URI workflows = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows");

    String dom = domContaining(workflows, US_BUILD);
    assertThat(dom).contains(US_BUILD, EU_BUILD);

    Path png = BuildDirectory.file("ui/workflows.png");
    Files.deleteIfExists(png);
    chromium.screenshot(workflows, png);
    assertThat(Files.size(png)).as("screenshot size").isGreaterThan(10_000);
  }

  @Test
  void workflowListFiltersBySearchAttribute() throws Exception {
    String query = "PrecacheRegion = \"eu-west-1\"";
    URI filtered = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows?query="
        + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20"));

    String dom = domContaining(filtered, EU_BUILD);
    assertThat(dom).doesNotContain(US_BUILD);

    Path png = BuildDirectory.file("ui/workflows-eu-west-1.png");
    Files.deleteIfExists(png);
    chromium.screenshot(filtered, png);
    assertThat(Files.size(png)).as("screenshot size").isGreaterThan(10_000);
  }

  /** The page's DOM once it shows {@code text}; fails with the last DOM after {@link #ATTEMPTS} loads. */
  private String domContaining(URI page, String text) throws InterruptedException {
    String dom = "";
    for (int attempt = 1; attempt <= ATTEMPTS && !dom.contains(text); attempt++) {
      dom = chromium.dumpDom(page);
    }
    assertThat(dom).as("DOM of %s", page).contains(text);
    return dom;
  }

  private static void build(String workflowId, String region) throws Exception {
    WorkflowClient client = temporal.client();
    SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).build());
    WorkflowClient.start(workflow::build,
        FakeSnapshotBuildWorkflow.request(workflowId, region, List.of("public.ecr.aws/vllm/vllm-openai:v0.11.0")));
    WorkflowStub.fromTyped(workflow).getResult(30, TimeUnit.SECONDS, BuildResult.class);
  }
}

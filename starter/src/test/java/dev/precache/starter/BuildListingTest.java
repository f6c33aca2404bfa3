package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuildSearchAttributes.Status;
import dev.precache.workflows.ImageIndex;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.internal.common.SearchAttributesUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildListingTest {
  private static final String BASE = "WorkflowType = 'SnapshotBuildWorkflow'";

  @Test
  void withoutFiltersListsEveryBuild() {
    assertThat(new BuildListing().query()).isEqualTo(BASE);
    assertThat(new BuildListing().orderedQuery()).isEqualTo(BASE + " ORDER BY StartTime DESC");
  }

  @Test
  void eachFilterIsAConditionOnItsSearchAttribute() {
    String query = new BuildListing().status(Status.FAILED).region("us-west-2").name("gpu-models")
        .schedule("gpu-nightly").image("quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b").query();

    assertThat(query).isEqualTo(BASE + " AND PrecacheStatus = 'FAILED' AND PrecacheRegion = 'us-west-2'"
        + " AND PrecacheBuildName = 'gpu-models' AND PrecacheScheduleId = 'gpu-nightly'"
        + " AND (PrecacheImages = 'quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b'"
        + " OR PrecacheImages = '" + ImageIndex.key("quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b") + "')");
  }

  @Test
  void imageIsNormalisedAsTheValidatorStoresIt() {
    assertThat(new BuildListing().image("nginx").query())
        .endsWith(" AND (PrecacheImages = 'docker.io/library/nginx:latest' OR PrecacheImages = '"
            + ImageIndex.key("docker.io/library/nginx:latest") + "')");
    assertThat(new BuildListing().image("vllm/vllm-openai:v0.10.1").query())
        .endsWith(" AND (PrecacheImages = 'docker.io/vllm/vllm-openai:v0.10.1' OR PrecacheImages = '"
            + ImageIndex.key("docker.io/vllm/vllm-openai:v0.10.1") + "')");
  }

  @Test
  void noImageReferenceIsRejected() {
    assertThatThrownBy(() -> new BuildListing().image("Not An Image"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not An Image");
  }

  @Test
  void quotesAndBackslashesInValuesAreEscapedSoTheyCannotEndTheLiteral() {
    assertThat(new BuildListing().schedule("x' OR WorkflowType != '").query())
        .isEqualTo(BASE + " AND PrecacheScheduleId = 'x\\' OR WorkflowType != \\''");
    assertThat(BuildListing.literal("a\\'b")).isEqualTo("'a\\\\\\'b'");
  }

  @Test
  void newestAsksTheServerToOrderByStartTime() {
    List<String> queries = new ArrayList<>();
    List<WorkflowExecutionMetadata> builds = List.of(build("b", 200), build("a", 100));

    List<WorkflowExecutionMetadata> newest = new BuildListing().region("us-west-2").newest(query -> {
      queries.add(query);
      return builds.stream();
    }, 1);

    assertThat(queries).containsExactly(BASE + " AND PrecacheRegion = 'us-west-2' ORDER BY StartTime DESC");
    assertThat(newest).extracting(build -> build.getExecution().getWorkflowId()).containsExactly("b");
  }

  @Test
  void newestSortsHereWhenTheServerCannotOrder() {
    List<String> queries = new ArrayList<>();
    // SQL visibility's own order: running builds first, then by close time.
    List<WorkflowExecutionMetadata> builds = List.of(build("old-running", 100), build("newest", 300),
        build("middle", 200));

    List<WorkflowExecutionMetadata> newest = new BuildListing().newest(query -> {
      queries.add(query);
      if (query.contains("ORDER BY")) {
        throw new StatusRuntimeException(io.grpc.Status.INVALID_ARGUMENT
            .withDescription("invalid query: operation is not supported: 'order by' clause"));
      }
      return builds.stream();
    }, 2);

    assertThat(queries).containsExactly(BASE + " ORDER BY StartTime DESC", BASE);
    assertThat(newest).extracting(build -> build.getExecution().getWorkflowId()).containsExactly("newest", "middle");
  }

  @Test
  void otherServerErrorsAreNotMistakenForMissingOrderBy() {
    StatusRuntimeException unavailable = new StatusRuntimeException(io.grpc.Status.UNAVAILABLE);

    assertThatThrownBy(() -> new BuildListing().newest(query -> {
      throw unavailable;
    }, 5)).isSameAs(unavailable);
  }

  @Test
  void rowShowsTheBuildsSearchAttributes() {
    WorkflowExecutionMetadata build = build("precache-gpu-1", 0, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
        SearchAttributes.newBuilder()
            .set(BuildSearchAttributes.STATUS, "SUCCEEDED")
            .set(BuildSearchAttributes.REGION, "us-west-2")
            .set(BuildSearchAttributes.BUILD_NAME, "gpu-models")
            .set(BuildSearchAttributes.SNAPSHOT_ID, "snap-0123456789abcdef0")
            .set(BuildSearchAttributes.IMAGES, List.of("quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b",
                "ghcr.io/llm-d/llm-d:v0.2.0", "docker.io/library/nginx:1.27"))
            .build());

    assertThat(BuildListing.row(build)).containsExactly("precache-gpu-1", "SUCCEEDED", "1970-01-01 00:00",
        "us-west-2", "gpu-models", "snap-0123456789abcdef0", "modelcar-catalog:qwen3-8b +2");
  }

  @Test
  void aBuildThatEndedWithoutSayingSoShowsTheExecutionStatus() {
    WorkflowExecutionMetadata terminated = build("t", 0, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
        SearchAttributes.newBuilder().set(BuildSearchAttributes.STATUS, "RUNNING").build());

    assertThat(BuildListing.row(terminated)).element(1).isEqualTo("TERMINATED");
    assertThat(BuildListing.row(terminated).subList(3, 7)).containsOnly("-");
  }

  @Test
  void imagesAreAbbreviatedToRepositoryAndTagOrDigest() {
    assertThat(BuildListing.abbreviated(List.of("localhost:5000/team/app:1"))).isEqualTo("app:1");
    assertThat(BuildListing.abbreviated(List.of("registry.k8s.io/pause@sha256:" + "a".repeat(64))))
        .isEqualTo("pause@sha256:" + "a".repeat(64));
    assertThat(BuildListing.abbreviated(null)).isEqualTo("-");
    assertThat(BuildListing.abbreviated(ImageIndex.of(manyImages(200)))).isEqualTo("200 images");
  }

  private static WorkflowExecutionMetadata build(String workflowId, long startSecond) {
    return build(workflowId, startSecond, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
        SearchAttributes.EMPTY);
  }

  private static WorkflowExecutionMetadata build(String workflowId, long startSecond, WorkflowExecutionStatus status,
      SearchAttributes attributes) {
    WorkflowExecutionInfo.Builder info = WorkflowExecutionInfo.newBuilder()
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId("run"))
        .setStartTime(Timestamp.newBuilder().setSeconds(startSecond))
        .setStatus(status);
    if (attributes.size() > 0) {
      info.setSearchAttributes(SearchAttributesUtil.encodeTyped(attributes));
    }
    return new WorkflowExecutionMetadata(info.build(), DefaultDataConverter.STANDARD_INSTANCE);
  }

  private static List<String> manyImages(int count) {
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> "docker.io/library/image-" + i + ":latest").toList();
  }
}

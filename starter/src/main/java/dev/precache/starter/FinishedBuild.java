package dev.precache.starter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowException;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.util.Optional;

/**
 * What {@code nodeclass ID} needs of a succeeded build: its result (snapshot, size, measured usage), the gp3
 * performance the build chose when its result records one, and the encryption its request asked for.
 */
record FinishedBuild(BuildResult result, Integer throughputMiBps, Integer iops, boolean encrypted, String kmsKeyId) {
  /**
   * Result fields of the gp3 performance the build chose for its volume, read by name so a result that lacks them
   * (builds from before the choice was recorded) still reads.
   */
  static final String RESULT_THROUGHPUT = "volumeThroughputMiBps";
  static final String RESULT_IOPS = "volumeIops";

  private static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  /**
   * Performance: what the result records, else what the request asked for, else null.
   *
   * @throws CliError when there is no such build, it has not succeeded, or its request cannot be read
   */
  static FinishedBuild read(TemporalConnection connection, String workflowId) {
    BuildState state = BuildStatus.state(BuildStatus.describe(connection, workflowId));
    if (state != BuildState.SUCCEEDED) {
      throw CliError.failed("build " + workflowId + " has no snapshot", "it is " + state,
          state == BuildState.RUNNING ? "wait for it: precache watch " + workflowId : null);
    }
    JsonNode node;
    BuildResult result;
    try {
      node = connection.client().newUntypedWorkflowStub(workflowId).getResult(JsonNode.class);
      result = JSON.treeToValue(node, BuildResult.class);
    } catch (WorkflowException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw CliError.failed("cannot read the result of build " + workflowId, e.getMessage(), null, e);
    }
    BuildRequest request = RunningRequest.of(connection.client(), workflowId);
    if (request == null) {
      throw CliError.failed("cannot read the request of build " + workflowId,
          "its encryption decides the volume's", "give the snapshot instead: --snapshot-id " + result.snapshotId());
    }
    return new FinishedBuild(result,
        intField(node, RESULT_THROUGHPUT).orElse(request.volumeThroughputMiBps()),
        intField(node, RESULT_IOPS).orElse(request.volumeIops()),
        request.encrypt(), request.kmsKeyId());
  }

  private static Optional<Integer> intField(JsonNode node, String name) {
    JsonNode field = node.get(name);
    return field != null && field.canConvertToInt() ? Optional.of(field.intValue()) : Optional.empty();
  }
}

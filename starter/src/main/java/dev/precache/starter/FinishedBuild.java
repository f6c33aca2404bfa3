package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.SnapshotCompatibility;
import dev.precache.workflows.VolumePerformance;
import io.temporal.client.WorkflowException;

/**
 * What {@code nodeclass ID} needs of a succeeded build: its result (snapshot, size, measured usage), the gp3
 * performance its volume had, the encryption and the volume-initialisation rate its request asked for.
 *
 * @param throughputMiBps the volume's: the result's {@link VolumePerformance}, else the request's, else null
 * @param iops            likewise
 * @param initializationRateMiBps the request's {@code --volume-initialization-rate}, or null
 * @param compatibility   the snapshotter and Bottlerocket variant the build used, for the nodeclass guard
 */
record FinishedBuild(BuildResult result, Integer throughputMiBps, Integer iops, boolean encrypted, String kmsKeyId,
                     Integer initializationRateMiBps, SnapshotCompatibility compatibility) {

  /** @throws CliError when there is no such build, it has not succeeded, or its request cannot be read */
  static FinishedBuild read(TemporalConnection connection, String workflowId) {
    BuildState state = BuildStatus.state(BuildStatus.describe(connection, workflowId));
    if (state != BuildState.SUCCEEDED) {
      throw CliError.failed("build " + workflowId + " has no snapshot", "it is " + state,
          state == BuildState.RUNNING ? "wait for it: precache watch " + workflowId : null);
    }
    BuildResult result;
    try {
      result = connection.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
    } catch (WorkflowException e) {
      throw CliError.failed("cannot read the result of build " + workflowId, e.getMessage(), null, e);
    }
    BuildRequest request = RunningRequest.of(connection.client(), workflowId);
    if (request == null) {
      throw CliError.failed("cannot read the request of build " + workflowId,
          "its encryption decides the volume's", "give the snapshot instead: --snapshot-id " + result.snapshotId());
    }
    VolumePerformance chosen = result.volumePerformance();
    return new FinishedBuild(result,
        chosen != null ? Integer.valueOf(chosen.throughputMiBps()) : request.volumeThroughputMiBps(),
        chosen != null ? Integer.valueOf(chosen.iops()) : request.volumeIops(),
        request.encrypt(), request.kmsKeyId(), request.volumeInitializationRateMiBps(),
        SnapshotCompatibility.ofBuild(request.amiParameter()));
  }
}

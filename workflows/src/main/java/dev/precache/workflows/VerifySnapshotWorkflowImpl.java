package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.List;
import org.slf4j.Logger;

/**
 * Describes the snapshot, restores it on its probes ({@link SnapshotProbes}) and returns what they found; the
 * probes are torn down on success, failure, cancel and when the deadline passes.
 */
public class VerifySnapshotWorkflowImpl implements VerifySnapshotWorkflow {

  private static final Logger log = Workflow.getLogger(VerifySnapshotWorkflowImpl.class);

  private String phase;

  @Override
  public VerifyResult verify(VerifyRequest input) {
    VerifyRequest request;
    try {
      request = input.validated();
    } catch (InvalidRequestException invalid) {
      throw ApplicationFailure.newNonRetryableFailure(invalid.getMessage(), BuildFailures.INVALID_REQUEST);
    }
    String region = request.region();
    phase = "describing " + request.snapshotId();
    SnapshotDescription snapshot = Workflow.newActivityStub(SnapshotActivities.class,
        ActivityOptions.newBuilder(BuildTimeouts.FIND_SNAPSHOT).setSummary("describe " + request.snapshotId()).build())
        .describeSnapshot(region, request.snapshotId());
    if (!"completed".equals(snapshot.state())) {
      return new VerifyResult(snapshot.snapshotId(), region, false,
          "the snapshot is " + snapshot.state() + ", not completed", List.of(), List.of());
    }
    if (SnapshotContent.isCut(snapshot.tags())) {
      return new VerifyResult(snapshot.snapshotId(), region, false, "its image list was cut to fit EC2's 50 tags, so"
          + " it does not name every image; verify it with build --verify", List.of(), List.of());
    }
    WorkflowInfo info = Workflow.getInfo();
    SnapshotProbes probes = new SnapshotProbes(info.getWorkflowId(), info.getRunId(), now -> {
      phase = now;
      log.info("{}", now);
    });
    CompletablePromise<VerifyResult> result = Workflow.newPromise();
    CancellationScope probing = Workflow.newCancellationScope(() ->
        result.complete(probes.verify(region, snapshot, SnapshotContent.recordedImages(snapshot.tags()),
            request.volumeInitializationRateMiBps())));
    CancellationScope deadline = Workflow.newCancellationScope(() ->
        Workflow.newTimer(request.timeout(), TimerOptions.newBuilder().setSummary("verify deadline").build())
            .thenApply(fired -> {
              probing.cancel("verify deadline of " + request.timeout() + " passed");
              return fired;
            }));
    deadline.run();
    try {
      probing.run();
      VerifyResult verified = result.get();
      phase = verified.passed() ? "passed" : "failed: " + verified.reason();
      return verified;
    } catch (TemporalFailure failure) {
      if (probing.isCancelRequested() && !CancellationScope.current().isCancelRequested()) {
        phase = "timed out after " + request.timeout() + " (probes torn down)";
        throw ApplicationFailure.newNonRetryableFailureWithCause(phase, BuildFailures.BUILD_TIMED_OUT, failure);
      }
      throw failure;
    } finally {
      deadline.cancel();
    }
  }

  @Override
  public String phase() {
    return phase;
  }
}

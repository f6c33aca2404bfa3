package dev.precache.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/** Resolves and sizes like a build's first step, and stops there. */
public class PlanWorkflowImpl implements PlanWorkflow {

  @Override
  public BuildPlan plan(BuildRequest input) {
    BuildRequest request;
    try {
      request = BuildRequestValidator.normalize(input);
    } catch (InvalidRequestException invalid) {
      throw ApplicationFailure.newNonRetryableFailure(invalid.getMessage(), BuildFailures.INVALID_REQUEST);
    }
    boolean instanceFit = Workflow.getVersion(SnapshotBuildWorkflowImpl.INSTANCE_FIT, Workflow.DEFAULT_VERSION, 1) >= 1;
    Preflight resolved = Preflight.run(request);
    Preflight preflight = instanceFit && !resolved.upToDate() ? resolved.withInstanceCapacity(request) : resolved;
    boolean pullsScheduled = instanceFit
        && Workflow.getVersion(SnapshotBuildWorkflowImpl.PULL_SCHEDULE, Workflow.DEFAULT_VERSION, 1) >= 1;
    Preflight.Fitted fitted = preflight.fit(request, input.pullParallelism() != null || !pullsScheduled);
    return new BuildPlan(fitted.request(), BuildPlan.planned(preflight.images()), preflight.sizing(),
        preflight.volumeSizeGiB(), preflight.volumeTooSmall(), preflight.upToDate(),
        preflight.previous() == null ? null : preflight.previous().snapshotId(), fitted.estimate(), fitted.volume(),
        fitted.instanceWarning(),
        RestoreTimeModel.forRequest(request, preflight.sizing(), preflight.volumeSizeGiB(), fitted.volume()),
        RestoreTimeModel.alternativesForRequest(request, preflight.sizing(), preflight.volumeSizeGiB(),
            fitted.volume()));
  }
}

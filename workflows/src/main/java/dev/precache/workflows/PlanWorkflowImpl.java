package dev.precache.workflows;

import io.temporal.failure.ApplicationFailure;

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
    Preflight preflight = Preflight.run(request);
    BuildRequest sized = request.withVolumeSizeGiB(preflight.volumeSizeGiB());
    return new BuildPlan(sized, BuildPlan.planned(preflight.images()), preflight.sizing(), preflight.volumeSizeGiB(),
        preflight.volumeTooSmall(), preflight.upToDate(),
        preflight.previous() == null ? null : preflight.previous().snapshotId(),
        BuildTimeModel.estimate(sized, preflight.images(), preflight.sizing().estimatedBytes(),
            preflight.volumeSizeGiB()));
  }
}

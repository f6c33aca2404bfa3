package dev.precache.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;

/** The activity stubs a build calls, each with a summary: what the Web UI shows the call doing. */
final class BuildActivityStubs {

  private BuildActivityStubs() {}

  static StackActivities stack(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(StackActivities.class, summarised(options, summary));
  }

  static InstanceActivities instance(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(InstanceActivities.class, summarised(options, summary));
  }

  static SnapshotActivities snapshots(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(SnapshotActivities.class, summarised(options, summary));
  }

  static PublishActivities publisher(ActivityOptions options, String summary) {
    return Workflow.newActivityStub(PublishActivities.class, summarised(options, summary));
  }

  private static ActivityOptions summarised(ActivityOptions options, String summary) {
    return ActivityOptions.newBuilder(options).setSummary(summary).build();
  }
}

package dev.precache.worker;

import java.net.URI;

/**
 * The production workflow and activity implementations, on AWS clients that honour {@code --aws-endpoint}.
 *
 * <p>MERGE: the implementations live on other branches. Once {@code dev.precache.workflows.SnapshotBuildWorkflowImpl}
 * and {@code dev.precache.activities.{AwsClients, StackActivitiesImpl, InstanceActivitiesImpl,
 * SnapshotActivitiesImpl, PublishActivitiesImpl}} are merged, replace the body of {@link #forAws} with:
 * <pre>{@code
 * AwsClients aws = new AwsClients(endpointOverride);   // endpointOverride is null without --aws-endpoint
 * return new BuildImplementations(SnapshotBuildWorkflowImpl.class, new StackActivitiesImpl(aws),
 *     new InstanceActivitiesImpl(aws), new SnapshotActivitiesImpl(aws), new PublishActivitiesImpl(aws));
 * }</pre>
 */
final class WorkerWiring {

  static BuildImplementations forAws(URI endpointOverride) {
    throw new IllegalStateException("the workflow and activity implementations are not wired in yet (see WorkerWiring)");
  }

  private WorkerWiring() {}
}

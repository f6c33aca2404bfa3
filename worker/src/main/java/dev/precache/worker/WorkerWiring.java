package dev.precache.worker;

import dev.precache.activities.AwsClients;
import dev.precache.activities.BuilderActivitiesImpl;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryActivitiesImpl;
import dev.precache.activities.NodeClassActivitiesImpl;
import dev.precache.activities.RetentionActivitiesImpl;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.activities.CopyActivitiesImpl;
import dev.precache.activities.InstanceActivitiesImpl;
import dev.precache.activities.JanitorActivitiesImpl;
import dev.precache.activities.PublishActivitiesImpl;
import dev.precache.activities.SnapshotActivitiesImpl;
import dev.precache.activities.StackActivitiesImpl;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.SnapshotBuildWorkflowImpl;
import java.time.Duration;

/** The production workflow and activity implementations on the given AWS clients. */
public final class WorkerWiring {

  /**
   * @param pollInterval how often waits poll AWS; a simulator running faster than real time wants less
   * @param registries   where each registry host is reached
   * @param logins       registry logins for hosts other than ECR (ECR uses the worker's AWS credentials), for
   *                     resolving and, parked for each pull as a SecureString, for the build instance
   */
  public static BuildImplementations forAws(AwsClients aws, Duration pollInterval, RegistryEndpoints registries,
      DockerConfig logins) {
    return new BuildImplementations(SnapshotBuildWorkflowImpl.class,
        new StackActivitiesImpl(aws, pollInterval),
        new InstanceActivitiesImpl(aws, pollInterval, logins),
        new SnapshotActivitiesImpl(aws, pollInterval, BuildTimeouts.SNAPSHOT_POLL_WINDOW),
        new PublishActivitiesImpl(aws, pollInterval),
        new RegistryActivitiesImpl(aws, registries, logins),
        new BuilderActivitiesImpl(aws, pollInterval),
        new RetentionActivitiesImpl(aws, pollInterval),
        new JanitorActivitiesImpl(aws, pollInterval),
        new CopyActivitiesImpl(aws, pollInterval),
        new NodeClassActivitiesImpl(aws, pollInterval));
  }

  private WorkerWiring() {}
}

package dev.precache.worker;

import dev.precache.workflows.BuilderSetupWorkflowImpl;
import dev.precache.workflows.PlanWorkflowImpl;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running precache worker: polls {@link SnapshotBuildWorkflow#TASK_QUEUE} with the given implementations.
 * {@link PrecacheWorker} runs one per process; the demo and end-to-end tests run one beside their own server.
 */
public final class WorkerHost implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerHost.class);
  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  private final WorkerFactory factory;

  private WorkerHost(WorkerFactory factory) {
    this.factory = factory;
  }

  public static WorkerHost start(WorkflowClient client, BuildImplementations implementations,
                                 int maxConcurrentActivities) {
    return start(client, implementations, maxConcurrentActivities, true);
  }

  /** A worker that runs activities only, beside workflow workers elsewhere: scales and restarts on its own. */
  public static WorkerHost startActivitiesOnly(WorkflowClient client, BuildImplementations implementations,
                                               int maxConcurrentActivities) {
    return start(client, implementations, maxConcurrentActivities, false);
  }

  private static WorkerHost start(WorkflowClient client, BuildImplementations implementations,
                                  int maxConcurrentActivities, boolean workflows) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(SnapshotBuildWorkflow.TASK_QUEUE, WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
        .build());
    if (workflows) {
      worker.registerWorkflowImplementationTypes(implementations.workflowType(), PlanWorkflowImpl.class,
          BuilderSetupWorkflowImpl.class);
    }
    worker.registerActivitiesImplementations(implementations.stack(), implementations.instance(),
        implementations.snapshot(), implementations.publish(), implementations.registry(), implementations.builder());
    factory.start();
    return new WorkerHost(factory);
  }

  /**
   * Stops polling and lets running activities finish for up to {@code grace}; what is still running then is
   * interrupted, and Temporal retries it elsewhere from its last heartbeat.
   */
  public void shutdown(Duration grace) {
    factory.shutdown();
    factory.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    if (!factory.isTerminated()) {
      log.warn("activities still running after {}s; interrupting them", grace.toSeconds());
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  public boolean isTerminated() {
    return factory.isTerminated();
  }

  @Override
  public void close() {
    shutdown(DEFAULT_GRACE);
  }
}

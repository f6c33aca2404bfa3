package dev.precache.worker;

import dev.precache.workflows.BuilderSetupWorkflowImpl;
import dev.precache.workflows.JanitorWorkflowImpl;
import dev.precache.workflows.NodeClassSnapshotWorkflowImpl;
import dev.precache.workflows.PlanWorkflowImpl;
import dev.precache.workflows.VerifySnapshotWorkflowImpl;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotRetentionWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
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
  /**
   * Activity slots. A build's activities mostly wait (for a stack, a command, a snapshot), polling AWS every few
   * seconds and heartbeating: a slot then costs a sleeping thread, a few hundred KiB of stack and no CPU. So a
   * worker has slots for many builds rather than for its cores: 100 builds of 8 pulls each, with room for their
   * teardowns, without a build ever queueing for a slot (which would count against the activities'
   * schedule-to-close timeouts). What bounds a worker is AWS's request rates, not slots.
   */
  public static final int DEFAULT_MAX_CONCURRENT_ACTIVITIES = 1000;
  /**
   * Workflow threads kept across the cached builds: a build runs a thread per pull in flight beside its own, so
   * the SDK's 600 would evict running builds from the cache (and replay them) at about 100 builds.
   */
  static final int MAX_WORKFLOW_THREADS = 4000;
  /**
   * Heartbeats reach the server at most this often; without a cap the SDK sends them every 0.8 heartbeat timeouts
   * (24 s), and what the CLI shows from their details (a pull's bytes, the snapshot's percent) would lag by that.
   * The production poll interval: one heartbeat per poll.
   */
  static final Duration HEARTBEAT_DETAILS_EVERY = Duration.ofSeconds(5);

  private final WorkerFactory factory;

  private WorkerHost(WorkerFactory factory) {
    this.factory = factory;
  }

  public static WorkerHost start(WorkflowClient client, BuildImplementations implementations,
                                 int maxConcurrentActivities) {
    return start(client, implementations, maxConcurrentActivities, true, HEARTBEAT_DETAILS_EVERY);
  }

  /**
   * @param heartbeatDetailsEvery how stale the heartbeat details the server holds may get (a simulator running
   *                              faster than real time wants less, as it does of the poll interval)
   */
  public static WorkerHost start(WorkflowClient client, BuildImplementations implementations,
                                 int maxConcurrentActivities, Duration heartbeatDetailsEvery) {
    return start(client, implementations, maxConcurrentActivities, true, heartbeatDetailsEvery);
  }

  /** A worker that runs activities only, beside workflow workers elsewhere: scales and restarts on its own. */
  public static WorkerHost startActivitiesOnly(WorkflowClient client, BuildImplementations implementations,
                                               int maxConcurrentActivities) {
    return start(client, implementations, maxConcurrentActivities, false, HEARTBEAT_DETAILS_EVERY);
  }

  private static WorkerHost start(WorkflowClient client, BuildImplementations implementations,
                                  int maxConcurrentActivities, boolean workflows, Duration heartbeatDetailsEvery) {
    WorkerFactory factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder()
        .setMaxWorkflowThreadCount(MAX_WORKFLOW_THREADS)
        .build());
    Worker worker = factory.newWorker(SnapshotBuildWorkflow.TASK_QUEUE, WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
        .setMaxHeartbeatThrottleInterval(heartbeatDetailsEvery)
        .build());
    if (workflows) {
      worker.registerWorkflowImplementationTypes(implementations.workflowType(), PlanWorkflowImpl.class,
          VerifySnapshotWorkflowImpl.class, BuilderSetupWorkflowImpl.class, SnapshotRetentionWorkflowImpl.class,
          JanitorWorkflowImpl.class, NodeClassSnapshotWorkflowImpl.class);
    }
    worker.registerActivitiesImplementations(implementations.stack(), implementations.instance(),
        implementations.snapshot(), implementations.publish(), implementations.registry(), implementations.builder(),
        implementations.retention(), implementations.janitor(), implementations.copy(),
        implementations.nodeClass(),
        new BuildLivenessActivitiesImpl(client));
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

  /** {@code /livez}: the worker's pollers run until it is shut down. */
  List<HealthCheck> liveness() {
    boolean polling = factory.isStarted() && !factory.isShutdown() && !factory.isTerminated();
    return List.of(polling ? HealthCheck.passed("polling", "polling task queue " + SnapshotBuildWorkflow.TASK_QUEUE)
        : HealthCheck.failed("polling", "the worker is shut down"));
  }

  public boolean isTerminated() {
    return factory.isTerminated();
  }

  @Override
  public void close() {
    shutdown(DEFAULT_GRACE);
  }
}

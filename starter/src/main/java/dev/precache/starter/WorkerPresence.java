package dev.precache.starter;

import dev.precache.workflows.SnapshotBuildWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import java.io.PrintWriter;

/**
 * Whether any worker polls the builds' task queue, so that a build nobody runs says so instead of waiting in
 * silence. Servers that cannot tell (the SDK's embedded test server) count as having one.
 */
final class WorkerPresence {
  private final TemporalConnection connection;
  private final PrintWriter err;
  private boolean seen;
  private boolean warned;

  WorkerPresence(TemporalConnection connection, PrintWriter err) {
    this.connection = connection;
    this.err = err;
  }

  /** True once a worker was seen polling; asks the server again until then. */
  boolean present() {
    if (!seen) {
      seen = polled();
      if (seen && warned) {
        err.println("a worker is polling task queue " + SnapshotBuildWorkflow.TASK_QUEUE + " now");
        err.flush();
      }
    }
    return seen;
  }

  /** Prints a warning on stderr, once, when no worker polls. */
  void warnIfNone() {
    if (!present() && !warned) {
      warned = true;
      err.println("warning: no worker is polling task queue " + SnapshotBuildWorkflow.TASK_QUEUE + " in namespace "
          + connection.server().namespace() + " on " + connection.server().address()
          + "; builds wait until one starts");
      err.println("  start one: ./precache worker (against that server) or ./precache worker --dev (its own local server)");
      err.flush();
    }
  }

  private boolean polled() {
    try {
      return connection.client().getWorkflowServiceStubs().blockingStub().describeTaskQueue(
              DescribeTaskQueueRequest.newBuilder()
                  .setNamespace(connection.server().namespace())
                  .setTaskQueue(TaskQueue.newBuilder().setName(SnapshotBuildWorkflow.TASK_QUEUE))
                  .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                  .build())
          .getPollersCount() > 0;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
      throw TemporalErrors.translate(e, connection.server(), null);
    }
  }
}

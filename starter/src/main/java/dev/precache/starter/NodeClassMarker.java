package dev.precache.starter;

import dev.precache.workflows.NodeClassMarkRequest;
import dev.precache.workflows.NodeClassMarking;
import dev.precache.workflows.NodeClassSnapshotWorkflow;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotLifecycle;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * After an apply: a {@link NodeClassSnapshotWorkflow} on the worker (the CLI has no AWS credentials) tags the applied
 * snapshot {@code precache:nodeclass=<context>/<class>} and takes the class off the snapshot it named before, so
 * retention keeps the one in use. The class is applied either way: marking is best-effort, and whatever keeps it
 * from happening is one line on stderr (see {@link #notMarked}).
 */
final class NodeClassMarker {
  /** How long the CLI waits for the worker: a DescribeSnapshots and a CreateTags each, for two snapshots. */
  static final Duration WAIT = Duration.ofSeconds(30);
  /** How often, while waiting, the CLI looks whether the worker failed to run the workflow at all. */
  private static final Duration LOOK_EVERY = Duration.ofSeconds(1);
  /** A tagging no worker picked up yet stays queued this long: a worker started later still writes the tag. */
  private static final Duration QUEUED = Duration.ofDays(1);
  /** What an unmarked snapshot risks: retention keeps it only for its other reasons. */
  private static final String RISK = "retention may delete it unless an SSM parameter names it or it is among the "
      + "newest N (--keep) of its name";

  private final String className;
  private final String snapshotId;
  private final String nodeClass;
  private final PrintWriter log;
  private final PrintWriter err;

  /**
   * @param className  the EC2NodeClass just applied
   * @param snapshotId the snapshot it was set to
   * @param nodeClass  the tag's word for the class, {@link NodeClassApplier#tagValue}
   */
  NodeClassMarker(String className, String snapshotId, String nodeClass, PrintWriter log, PrintWriter err) {
    this.className = className;
    this.snapshotId = snapshotId;
    this.nodeClass = nodeClass;
    this.log = log;
    this.err = err;
  }

  /**
   * The one line saying the snapshot is not marked, why, what that risks and how to mark it: a {@code note:} when
   * {@code expected} (nothing was asked of Temporal: no server configured), else a {@code warning:}.
   *
   * @param retry how to mark it later
   */
  void notMarked(boolean expected, String cause, String retry) {
    err.println((expected ? "note: " : "warning: ") + "EC2NodeClass " + className + " is set, but snapshot "
        + snapshotId + " was not tagged " + SnapshotLifecycle.NODECLASS + "=" + nodeClass + " (" + cause + "): "
        + RISK + "; " + retry);
    err.flush();
  }

  /**
   * @param region  where the snapshots are, or null when unknown (then nothing is tagged and a warning says so)
   * @param applied what the apply replaced: the snapshot to take the class off
   */
  void mark(TemporalConnection connection, String region, NodeClassApplier.Applied applied) {
    String untag = snapshotId.equals(applied.previousSnapshotId()) ? null : applied.previousSnapshotId();
    if (region == null) {
      notMarked(false, "no region", "re-run the apply with -r/--region, or with AWS_REGION set");
      return;
    }
    NodeClassMarkRequest request = new NodeClassMarkRequest(region, snapshotId, untag, nodeClass);
    String workflowId = "precache-nodeclass-" + region + "-" + snapshotId + "-" + UUID.randomUUID();
    String rerun = "re-run the apply once the worker answers";
    try {
      NodeClassSnapshotWorkflow workflow = connection.client().newWorkflowStub(NodeClassSnapshotWorkflow.class,
          WorkflowOptions.newBuilder()
              .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
              .setWorkflowId(workflowId)
              .setWorkflowExecutionTimeout(QUEUED)
              .setStaticSummary("precache nodeclass: tag " + snapshotId + " " + nodeClass
                  + (untag == null ? "" : ", untag " + untag) + " in " + region)
              .build());
      WorkflowClient.start(workflow::mark, request);
      NodeClassMarking marking = await(connection, WorkflowStub.fromTyped(workflow), workflowId);
      if (marking == null) {
        return;
      }
      report(marking.applied());
      if (marking.previous() != null) {
        report(marking.previous());
      }
    } catch (WorkflowFailedException e) {
      notMarked(false, BuildWatcher.causeOf(e), rerun);
    } catch (WorkflowException e) {
      notMarked(false, e.getMessage(), rerun);
    } catch (RuntimeException e) {
      notMarked(false, TemporalErrors.translate(e, connection.server(), null).getMessage(), rerun);
    }
  }

  /**
   * The workflow's result within {@link #WAIT}; null, having said why, when there is none: no worker answered, or
   * the worker failed its first task (a worker without this workflow: it cannot run it however long one waits).
   */
  private NodeClassMarking await(TemporalConnection connection, WorkflowStub stub, String workflowId) {
    Instant deadline = Instant.now().plus(WAIT);
    String queued = "workflow " + workflowId + " tags it once a worker that runs it picks it up (for "
        + QUEUED.toHours() + " h)";
    while (true) {
      try {
        return stub.getResult(LOOK_EVERY.toMillis(), TimeUnit.MILLISECONDS, NodeClassMarking.class);
      } catch (TimeoutException e) {
        String refused = workflowTaskFailure(connection, workflowId);
        if (refused != null) {
          notMarked(false, "the worker on task queue " + SnapshotBuildWorkflow.TASK_QUEUE + " cannot run "
              + NodeClassSnapshotWorkflow.class.getSimpleName() + ", an older precache? " + refused, queued);
          return null;
        }
        if (Instant.now().isAfter(deadline)) {
          boolean polled = new WorkerPresence(connection, err).present();
          notMarked(false, polled ? "the worker did not answer within " + WAIT.toSeconds() + " s"
              : "no worker polls task queue " + SnapshotBuildWorkflow.TASK_QUEUE + " on "
                  + connection.server().address(), queued);
          return null;
        }
      }
    }
  }

  /** The failure of the workflow's first workflow task, or null while none failed. */
  private static String workflowTaskFailure(TemporalConnection connection, String workflowId) {
    for (HistoryEvent event : connection.client().fetchHistory(workflowId).getEvents()) {
      if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        String message = event.getWorkflowTaskFailedEventAttributes().getFailure().getMessage();
        return message.lines().findFirst().orElse(message);
      }
    }
    return null;
  }

  private void report(NodeClassMarking.Change change) {
    if (change.note() != null) {
      err.println("note: snapshot " + change.snapshotId() + ": " + change.note());
      err.flush();
      return;
    }
    log.println("Snapshot " + change.snapshotId() + ": " + SnapshotLifecycle.NODECLASS + "="
        + (change.tag() == null ? "(none: " + nodeClass + " removed)" : change.tag()));
    log.flush();
  }
}

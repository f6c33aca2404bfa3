package dev.precache.starter;

import dev.precache.workflows.NodeClassMarkRequest;
import dev.precache.workflows.NodeClassMarking;
import dev.precache.workflows.NodeClassSnapshotWorkflow;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotLifecycle;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * After an apply: a {@link NodeClassSnapshotWorkflow} on the worker (the CLI has no AWS credentials) tags the applied
 * snapshot {@code precache:nodeclass=<context>/<class>} and takes the class off the snapshot it named before, so
 * retention keeps the one in use. The class is applied either way: anything that goes wrong here is a warning.
 */
final class NodeClassMarker {
  /** How long the CLI waits for the worker: a DescribeSnapshots and a CreateTags each, for two snapshots. */
  static final Duration WAIT = Duration.ofSeconds(30);
  /** A tagging no worker picked up yet stays queued this long: a worker started later still writes the tag. */
  private static final Duration QUEUED = Duration.ofDays(1);

  private NodeClassMarker() {}

  /**
   * @param region  where the snapshots are, or null when unknown (then nothing is tagged and a warning says so)
   * @param applied what the apply replaced: the snapshot to take the class off
   */
  static void mark(TemporalConnection connection, String region, String snapshotId, NodeClassApplier applier,
      String className, NodeClassApplier.Applied applied, PrintWriter log, PrintWriter err) {
    String nodeClass = applier.tagValue(className);
    String untag = snapshotId.equals(applied.previousSnapshotId()) ? null : applied.previousSnapshotId();
    String notTagged = "warning: EC2NodeClass " + className + " is set, but snapshot " + snapshotId + " was not tagged "
        + SnapshotLifecycle.NODECLASS + "=" + nodeClass + " (retention does not know the class uses it): ";
    if (region == null) {
      warn(err, notTagged + "no region: pass -r/--region, or set AWS_REGION");
      return;
    }
    NodeClassMarkRequest request = new NodeClassMarkRequest(region, snapshotId, untag, nodeClass);
    String workflowId = "precache-nodeclass-" + region + "-" + snapshotId + "-" + UUID.randomUUID();
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
      NodeClassMarking marking;
      try {
        marking = WorkflowStub.fromTyped(workflow).getResult(WAIT.toSeconds(), TimeUnit.SECONDS, NodeClassMarking.class);
      } catch (TimeoutException e) {
        boolean polled = new WorkerPresence(connection, err).present();
        warn(err, notTagged + (polled ? "the worker did not answer within " + WAIT.toSeconds() + " s"
            : "no worker polls task queue " + SnapshotBuildWorkflow.TASK_QUEUE + " on " + connection.server().address())
            + "; workflow " + workflowId + " tags it once a worker runs it");
        return;
      }
      report(marking.applied(), nodeClass, log, err);
      if (marking.previous() != null) {
        report(marking.previous(), nodeClass, log, err);
      }
    } catch (WorkflowFailedException e) {
      warn(err, notTagged + BuildWatcher.causeOf(e));
    } catch (WorkflowException e) {
      warn(err, notTagged + e.getMessage());
    } catch (CliError e) {
      warn(err, notTagged + e.getMessage());
    } catch (RuntimeException e) {
      warn(err, notTagged + TemporalErrors.translate(e, connection.server(), null).getMessage());
    }
  }

  private static void report(NodeClassMarking.Change change, String nodeClass, PrintWriter log, PrintWriter err) {
    if (change.note() != null) {
      warn(err, "note: snapshot " + change.snapshotId() + " " + change.note());
      return;
    }
    log.println("Snapshot " + change.snapshotId() + ": " + SnapshotLifecycle.NODECLASS + "="
        + (change.tag() == null ? "(none: " + nodeClass + " removed)" : change.tag()));
    log.flush();
  }

  private static void warn(PrintWriter err, String message) {
    err.println(message);
    err.flush();
  }
}

package dev.precache.workflows;

import static dev.precache.workflows.BuildActivityStubs.publisher;
import static dev.precache.workflows.BuildActivityStubs.snapshots;

import dev.precache.workflows.SnapshotActivities.FastRestoreStatus;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * Making a completed snapshot the product: fast snapshot restore, the published tag, {@code -op}, then its copies
 * and shares. Publishing is the point of no return ({@link #CANCEL_AFTER_PUBLISH}): a cancel before it ends the
 * build; once begun, it completes.
 */
final class SnapshotPublishing {

  /**
   * The change that makes publishing the point of no return: a cancel before it skips publishing and deletes the
   * snapshot; once it has begun, it completes and nothing is undone (see {@link #publish}).
   */
  static final String CANCEL_AFTER_PUBLISH = "cancel-after-publish";
  /**
   * The change that tags a succeeded build's snapshot {@link SnapshotLifecycle#PUBLISHED}, which the worker's IAM
   * policy then forbids it to delete; builds before it leave theirs {@link SnapshotLifecycle#BUILDING}.
   */
  static final String LEAST_PRIVILEGE_TAGS = "least-privilege-tags";
  /** Builds with {@code --fast-restore} enable FSR before publishing and disable it on the snapshot superseded. */
  static final String FAST_RESTORE = "fast-restore";

  /** The SSM parameter the snapshot was written to, once that is done (since {@link #CANCEL_AFTER_PUBLISH}). */
  private String publishedTo;
  /** Once the snapshot is tagged published, a failure after (publishing to -op) keeps it: it is a product. */
  private boolean markedPublished;
  /** The snapshot's copies to other regions and its shares; deleted again if the build fails. */
  private final RegionCopies copies = new RegionCopies();

  /** Whether this build enables FSR ({@link #FAST_RESTORE}): asked before the step that does it. */
  static boolean fastRestore(BuildRequest request) {
    return !request.fastRestoreZones().isEmpty()
        && Workflow.getVersion(FAST_RESTORE, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  /** FSR in the request's zones, waited for until enabled, so nodes given the new ID restore fast from the start. */
  void enableFastRestore(BuildRequest request, String snapshotId) {
    List<String> zones = request.fastRestoreZones();
    snapshots(BuildTimeouts.FAST_RESTORE, "enable fast snapshot restore of " + snapshotId + " in "
        + String.join(",", zones)).enableFastSnapshotRestores(request.region(), snapshotId, zones);
    FastRestoreStatus status;
    do {
      status = snapshots(BuildTimeouts.AWAIT_FAST_RESTORE, "wait for fast snapshot restore of " + snapshotId)
          .awaitFastSnapshotRestoresEnabled(request.region(), snapshotId, zones);
    } while (!status.enabled());
  }

  /** The newest earlier snapshot of this build name stops costing FSR once this one is published. */
  void disableSupersededFastRestore(BuildRequest request, Preflight preflight, String snapshotId) {
    PreviousSnapshot superseded = preflight == null ? null : preflight.previous();
    if (superseded == null || superseded.snapshotId().equals(snapshotId)) {
      return;
    }
    snapshots(BuildTimeouts.FAST_RESTORE, "disable fast snapshot restore of " + superseded.snapshotId())
        .disableFastSnapshotRestores(request.region(), superseded.snapshotId());
  }

  /**
   * Whether publishing is the point of no return ({@link #CANCEL_AFTER_PUBLISH}); if so, a cancel that arrived
   * before it skips it (thrown here, before the snapshot is tagged published or named anywhere).
   */
  boolean mayBegin(String snapshotId) {
    boolean pointOfNoReturn = Workflow.getVersion(CANCEL_AFTER_PUBLISH, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (pointOfNoReturn && CancellationScope.current().isCancelRequested()) {
      throw new CanceledFailure("cancelled before publishing " + snapshotId);
    }
    return pointOfNoReturn;
  }

  /** Before -op names it anywhere: a snapshot nodes may boot from is one the worker can no longer delete. */
  void markPublished(String region, String snapshotId) {
    if (Workflow.getVersion(LEAST_PRIVILEGE_TAGS, Workflow.DEFAULT_VERSION, 1) >= 1) {
      snapshots(BuildTimeouts.TEARDOWN, "tag " + snapshotId + " published").markSnapshotPublished(region, snapshotId);
      markedPublished = true;
    }
  }

  /**
   * Writes the snapshot ID to {@code -op}, if any. With {@code pointOfNoReturn} ({@link #CANCEL_AFTER_PUBLISH}), a
   * cancel arriving once this began cannot stop it: the parameter never names a snapshot the build then deletes.
   */
  String publish(BuildRequest request, String snapshotId, boolean pointOfNoReturn) {
    String parameter = request.outputParameterName();
    if (parameter == null) {
      return null;
    }
    Runnable write = () -> publisher(BuildTimeouts.PUBLISH, "write " + snapshotId + " to " + parameter)
        .publishSnapshotId(request.region(), parameter, snapshotId);
    if (pointOfNoReturn) {
      Workflow.newDetachedCancellationScope(write).run();
      publishedTo = parameter;
    } else {
      write.run();
    }
    return parameter;
  }

  /** The copies and shares of the published snapshot ({@link RegionCopies}). */
  List<SnapshotCopy> copied(BuildRequest request, BuildIdentity identity, String snapshotId) {
    return copies.made(request, identity, snapshotId);
  }

  /** After a failure: the copies not yet published in their regions go. */
  void deleteCopies(BuildRequest request, BuildIdentity identity, List<TemporalFailure> failures) {
    copies.deleteCopies(request, identity, failures);
  }

  /** The parameter written once publishing became the point of no return; null before. */
  String publishedTo() {
    return publishedTo;
  }

  boolean markedPublished() {
    return markedPublished;
  }
}

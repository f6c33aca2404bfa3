package dev.precache.workflows;

import dev.precache.workflows.CopyActivities.CopySpec;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * A build's copies to other regions ({@code --copy-to-region}) and shares ({@code --share-with-account}), once its
 * snapshot has completed: every copy at once, each waited for with heartbeats and published in its region under
 * the build's {@code -op}. A failed build deletes the copies it made ({@link #deleteCopies}).
 */
final class RegionCopies {

  private static final Logger log = Workflow.getLogger(RegionCopies.class);
  /**
   * Builds from here on copy and share as their request says; from version {@value #MARKS_COPIES_PUBLISHED} each copy
   * is made {@link SnapshotLifecycle#BUILDING} and tagged {@link SnapshotLifecycle#PUBLISHED} before {@code -op}
   * names it in its region, as the build's own snapshot is (version 1 copies carried the source's tags as they were).
   */
  static final String CHANGE = "copies";
  static final int MARKS_COPIES_PUBLISHED = 2;

  private boolean started;
  private int version;

  /** The copies, completed and published; none when the request asks for none. */
  List<SnapshotCopy> made(BuildRequest request, BuildIdentity identity, String snapshotId) {
    if (request.copies().isEmpty() && request.sharedWith().isEmpty()) {
      return List.of();
    }
    version = Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, MARKS_COPIES_PUBLISHED);
    if (version == Workflow.DEFAULT_VERSION) {
      return List.of();
    }
    started = true;
    if (!request.sharedWith().isEmpty()) {
      copies("share " + snapshotId + " with " + request.sharedWith().size() + " account(s)")
          .shareSnapshot(request.region(), snapshotId, request.sharedWith());
    }
    List<Promise<SnapshotCopy>> copies = new ArrayList<>();
    for (RegionCopy copy : request.copies()) {
      copies.add(Async.function(() -> copyTo(request, identity, snapshotId, copy)));
    }
    Promise.allOf(copies).get();
    return copies.stream().map(Promise::get).toList();
  }

  private SnapshotCopy copyTo(BuildRequest request, BuildIdentity identity, String snapshotId, RegionCopy copy) {
    String region = copy.region();
    String copyId = copies("copy " + snapshotId + " to " + region).copySnapshot(new CopySpec(request.region(),
        snapshotId, region, identity, request.encrypt(), copy.kmsKeyId()));
    SnapshotStatus status;
    do {
      status = Workflow.newActivityStub(SnapshotActivities.class, ActivityOptions
              .newBuilder(BuildTimeouts.AWAIT_SNAPSHOT).setSummary("wait for copy " + copyId + " in " + region).build())
          .awaitSnapshotCompleted(region, copyId);
    } while (!status.completed());
    if (!request.sharedWith().isEmpty()) {
      copies("share " + copyId + " in " + region).shareSnapshot(region, copyId, request.sharedWith());
    }
    if (version >= MARKS_COPIES_PUBLISHED) {
      // As for the source: a copy nodes may boot from is one the worker can no longer delete.
      Workflow.newActivityStub(SnapshotActivities.class, ActivityOptions.newBuilder(BuildTimeouts.TEARDOWN)
              .setSummary("tag " + copyId + " published in " + region).build())
          .markSnapshotPublished(region, copyId);
    }
    String parameter = request.outputParameterName();
    if (parameter != null) {
      Workflow.newActivityStub(PublishActivities.class, ActivityOptions.newBuilder(BuildTimeouts.PUBLISH)
              .setSummary("write " + copyId + " to " + parameter + " in " + region).build())
          .publishSnapshotId(region, parameter, copyId);
    }
    log.info("copied {} to {} as {}", snapshotId, region, copyId);
    return new SnapshotCopy(region, copyId, parameter);
  }

  /**
   * After a failure: deletes every snapshot tagged with the build's ID in each copy region that it has not published
   * there (a published copy is named by {@code -op} in its region and stays, as the build's own snapshot does).
   */
  void deleteCopies(BuildRequest request, BuildIdentity identity, List<TemporalFailure> failures) {
    if (!started) {
      return;
    }
    for (RegionCopy copy : request.copies()) {
      Workflow.newDetachedCancellationScope(() -> {
        try {
          Workflow.newActivityStub(SnapshotActivities.class, ActivityOptions.newBuilder(BuildTimeouts.TEARDOWN)
                  .setSummary("delete copies of build " + identity.buildId() + " in " + copy.region()).build())
              .deleteBuildSnapshots(copy.region(), identity);
        } catch (TemporalFailure failure) {
          log.error("teardown: copies in {}: {}", copy.region(), failure.getMessage());
          failures.add(failure);
        }
      }).run();
    }
  }

  private static CopyActivities copies(String summary) {
    return Workflow.newActivityStub(CopyActivities.class,
        ActivityOptions.newBuilder(BuildTimeouts.COPY_SNAPSHOT).setSummary(summary).build());
  }
}

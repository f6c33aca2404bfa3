package dev.precache.starter;

import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.DataConverter;
import java.util.Optional;

/**
 * What the server knows of one running activity of a build beyond the workflow's own progress: which attempt
 * it is on and why the last one failed, and, for the snapshot wait, the percent it last heartbeated.
 *
 * @param maximumAttempts 0 when unlimited
 * @param lastFailure     why the previous attempt failed, null on the first
 * @param snapshotPercent the snapshot's heartbeated percent, null for other activities
 */
record ActivityAttempt(String type, int attempt, int maximumAttempts, String lastFailure, Integer snapshotPercent) {
  private static final String AWAIT_SNAPSHOT = "AwaitSnapshotCompleted";

  static ActivityAttempt of(PendingActivityInfo info, DataConverter converter) {
    String failure = info.hasLastFailure() ? info.getLastFailure().getMessage() : null;
    Integer percent = null;
    if (AWAIT_SNAPSHOT.equals(info.getActivityType().getName()) && info.hasHeartbeatDetails()) {
      try {
        percent = converter.fromPayloads(0, Optional.of(info.getHeartbeatDetails()), SnapshotStatus.class,
            SnapshotStatus.class).percent();
      } catch (RuntimeException undecodable) {
        // an older worker's details: the workflow's own percent stands
      }
    }
    return new ActivityAttempt(info.getActivityType().getName(), info.getAttempt(), info.getMaximumAttempts(),
        failure == null || failure.isBlank() ? null : failure, percent);
  }

  /** Retrying: an earlier attempt failed and this one runs or waits for its backoff. */
  boolean retrying() {
    return attempt > 1 && lastFailure != null;
  }

  /** {@code attempt 3 of 10} or {@code attempt 3}. */
  String attemptText() {
    return "attempt " + attempt + (maximumAttempts > 0 ? " of " + maximumAttempts : "");
  }
}

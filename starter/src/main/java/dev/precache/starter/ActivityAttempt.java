package dev.precache.starter;

import dev.precache.workflows.InstanceActivities.PullProgress;
import dev.precache.workflows.SnapshotActivities.SnapshotStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.DataConverter;
import java.util.Optional;

/**
 * What the server knows of one running activity of a build beyond the workflow's own progress: which attempt
 * it is on and why the last one failed, and what it last heartbeated: the snapshot wait its percent, a pull its bytes.
 *
 * @param maximumAttempts 0 when unlimited
 * @param lastFailure     why the previous attempt failed, null on the first
 * @param snapshotPercent the snapshot's heartbeated percent, null for other activities
 * @param pull            a pull's heartbeated progress, null for other activities and a pull not probed
 */
record ActivityAttempt(String type, int attempt, int maximumAttempts, String lastFailure, Integer snapshotPercent,
                       PullProgress pull) {
  private static final String AWAIT_SNAPSHOT = "AwaitSnapshotCompleted";
  private static final String PULL_IMAGE = "PullImage";

  static ActivityAttempt of(PendingActivityInfo info, DataConverter converter) {
    String failure = info.hasLastFailure() ? info.getLastFailure().getMessage() : null;
    String type = info.getActivityType().getName();
    SnapshotStatus snapshot = AWAIT_SNAPSHOT.equals(type) ? details(info, converter, SnapshotStatus.class) : null;
    PullProgress pull = PULL_IMAGE.equals(type) ? details(info, converter, PullProgress.class) : null;
    return new ActivityAttempt(type, info.getAttempt(), info.getMaximumAttempts(),
        failure == null || failure.isBlank() ? null : failure, snapshot == null ? null : snapshot.percent(),
        pull == null || pull.downloadedBytes() == null ? null : pull);
  }

  /**
   * The heartbeat details as {@code type}, or null: none yet, or only the command ID or snapshot ID heartbeated
   * between polls (and by older workers).
   */
  private static <T> T details(PendingActivityInfo info, DataConverter converter, Class<T> type) {
    if (!info.hasHeartbeatDetails()) {
      return null;
    }
    try {
      return converter.fromPayloads(0, Optional.of(info.getHeartbeatDetails()), type, type);
    } catch (RuntimeException undecodable) {
      return null;
    }
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

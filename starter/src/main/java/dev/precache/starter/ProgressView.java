package dev.precache.starter;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildResult;
import java.time.Duration;
import java.util.List;

/** Where a followed build's progress goes: plain lines ({@link ProgressPrinter}) or nowhere. */
interface ProgressView {
  /**
   * @param progress   the build's last known progress, null before it answered
   * @param activities what the server says of its running activities (attempts, heartbeats)
   */
  void show(BuildProgress progress, List<ActivityAttempt> activities);

  /** The build made its snapshot. */
  void finished(BuildResult result, Duration elapsed);

  static ProgressView none() {
    return new ProgressView() {
      @Override
      public void show(BuildProgress progress, List<ActivityAttempt> activities) {}

      @Override
      public void finished(BuildResult result, Duration elapsed) {}
    };
  }
}

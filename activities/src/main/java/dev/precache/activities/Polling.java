package dev.precache.activities;

import io.temporal.activity.Activity;
import java.time.Duration;

/**
 * Paces the wait loops of the activities: each round heartbeats what is being waited for, then sleeps. The
 * heartbeat is what makes a wait safe: it fails the activity once Temporal has given up on it (timeout,
 * cancellation), and its details let a retry resume.
 */
final class Polling {

  private final Duration interval;

  Polling(Duration interval) {
    this.interval = interval;
  }

  Duration interval() {
    return interval;
  }

  void heartbeatAndWait(Object details) {
    heartbeatAndWait(details, interval);
  }

  void heartbeatAndWait(Object details, Duration pause) {
    Activity.getExecutionContext().heartbeat(details);
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while polling", e);
    }
  }
}

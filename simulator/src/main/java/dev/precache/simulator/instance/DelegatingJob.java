package dev.precache.simulator.instance;

import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/** Runs another job after a delay and exits with its (mapped) status: apiclient exec, xargs, sh -c. */
final class DelegatingJob extends Job {
  private final long delayMillis;
  private final Supplier<Job> child;
  private final IntUnaryOperator exitStatus;
  private long due = Long.MAX_VALUE;
  private Job running;

  DelegatingJob(Io io, long delayMillis, Supplier<Job> child, IntUnaryOperator exitStatus) {
    super(io);
    this.delayMillis = delayMillis;
    this.child = child;
    this.exitStatus = exitStatus;
  }

  @Override
  void start(long now) {
    due = now + delayMillis;
    advance(now);
  }

  @Override
  long dueAt() {
    if (finished()) {
      return Long.MAX_VALUE;
    }
    return running == null ? due : running.dueAt();
  }

  @Override
  void advance(long now) {
    if (finished() || now < due) {
      return;
    }
    if (running == null) {
      running = child.get();
      running.start(now);
    } else {
      running.advance(now);
    }
    if (running.finished()) {
      finish(exitStatus.applyAsInt(running.exitCode()));
    }
  }

  @Override
  void kill(long now) {
    if (running != null) {
      running.kill(now);
    }
    finish(KILLED);
  }
}

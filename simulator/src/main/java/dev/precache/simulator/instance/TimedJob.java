package dev.precache.simulator.instance;

import java.util.function.IntSupplier;

/** A command that takes a fixed time, then has its effect and exits with the effect's status. */
final class TimedJob extends Job {
  private final long durationMillis;
  private final IntSupplier effect;
  private long due = Long.MAX_VALUE;

  TimedJob(Io io, long durationMillis, IntSupplier effect) {
    super(io);
    this.durationMillis = durationMillis;
    this.effect = effect;
  }

  @Override
  void start(long now) {
    due = now + durationMillis;
    advance(now);
  }

  @Override
  long dueAt() {
    return finished() ? Long.MAX_VALUE : due;
  }

  @Override
  void advance(long now) {
    if (!finished() && now >= due) {
      finish(effect.getAsInt());
    }
  }

  @Override
  void kill(long now) {
    finish(KILLED);
  }
}

package dev.precache.simulator.instance;

/**
 * A running piece of a script. Jobs advance only when the runtime tells them the time: at their own
 * {@link #dueAt()} and whenever something else happened (a transfer finished), so a whole script is a
 * tree of jobs evaluated lazily and deterministically.
 */
abstract class Job {
  /** A job's standard streams; stdin is fully known when the job starts (pipeline stages run in turn). */
  record Io(String stdin, StringBuilder stdout, StringBuilder stderr) {
    Io withStdin(String input) {
      return new Io(input, stdout, stderr);
    }
  }

  static final int KILLED = 143;

  final Io io;
  private Integer exitCode;

  Job(Io io) {
    this.io = io;
  }

  abstract void start(long now);

  /** The time of this job's next own event; MAX_VALUE when it waits on something else or is finished. */
  abstract long dueAt();

  /** Handles whatever is due at {@code now}; called at every event time while the job runs. */
  abstract void advance(long now);

  /** Stops the job and everything under it (instance stopped, command cancelled). */
  abstract void kill(long now);

  final boolean finished() {
    return exitCode != null;
  }

  final int exitCode() {
    return exitCode;
  }

  final void finish(int code) {
    if (exitCode == null) {
      exitCode = code;
    }
  }
}

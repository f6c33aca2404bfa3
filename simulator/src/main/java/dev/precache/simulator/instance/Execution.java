package dev.precache.simulator.instance;

import dev.precache.simulator.instance.ExecutionStatus.State;

/** One Run Command invocation on one instance. */
public final class Execution {
  private final InstanceRuntime runtime;
  private final Job root;
  private final Job.Io io;
  private State endedAs;
  private Long endedAt;

  Execution(InstanceRuntime runtime, Job root, Job.Io io) {
    this.runtime = runtime;
    this.root = root;
    this.io = io;
  }

  /** The state at the given simulated time: IN_PROGRESS, then SUCCESS or FAILED with exit code and output. */
  public ExecutionStatus poll(long nowSimMillis) {
    synchronized (runtime) {
      runtime.advanceTo(nowSimMillis);
      if (endedAs != null) {
        return new ExecutionStatus(endedAs, ExecutionStatus.NO_EXIT_CODE, io.stdout().toString(), io.stderr().toString(),
            endedAt);
      }
      if (!root.finished()) {
        return new ExecutionStatus(State.IN_PROGRESS, ExecutionStatus.NO_EXIT_CODE, io.stdout().toString(),
            io.stderr().toString(), null);
      }
      return new ExecutionStatus(root.exitCode() == 0 ? State.SUCCESS : State.FAILED, root.exitCode(),
          io.stdout().toString(), io.stderr().toString(), endedAt);
    }
  }

  /** Stops the command if it still runs; it then reports CANCELLED. */
  public void cancel(long nowSimMillis) {
    runtime.cancel(this, nowSimMillis);
  }

  Job root() {
    return root;
  }

  /** The script exited on its own at {@code now}. */
  void finished(long now) {
    endedAt = now;
  }

  void end(State state, long now) {
    root.kill(now);
    endedAs = state;
    endedAt = now;
  }
}

package dev.precache.simulator.instance;

import java.util.List;

/**
 * {@code a | b | c}: each stage runs after the previous one, reading its whole output; exits with the last status,
 * or with {@code pipefail} the last non-zero one.
 */
final class PipelineJob extends Job {
  private final List<List<String>> stages;
  private final Commands commands;
  private final Commands.Context context;
  private int stage = -1;
  private Job current;
  private final boolean pipefail;
  private StringBuilder currentOutput;
  private int failedStatus;

  PipelineJob(Io io, List<List<String>> stages, Commands commands, Commands.Context context, boolean pipefail) {
    super(io);
    this.stages = stages;
    this.commands = commands;
    this.context = context;
    this.pipefail = pipefail;
  }

  @Override
  void start(long now) {
    startStage(now, io.stdin());
  }

  @Override
  long dueAt() {
    return finished() ? Long.MAX_VALUE : current.dueAt();
  }

  @Override
  void advance(long now) {
    if (finished()) {
      return;
    }
    current.advance(now);
    if (current.finished()) {
      stageFinished(now);
    }
  }

  @Override
  void kill(long now) {
    current.kill(now);
    finish(KILLED);
  }

  private void startStage(long now, String stdin) {
    stage++;
    boolean last = stage == stages.size() - 1;
    currentOutput = last ? io.stdout() : new StringBuilder();
    current = commands.create(stages.get(stage), context, new Io(stdin, currentOutput, io.stderr()));
    current.start(now);
    if (current.finished()) {
      stageFinished(now);
    }
  }

  private void stageFinished(long now) {
    if (current.exitCode() != 0) {
      failedStatus = current.exitCode();
    }
    if (stage == stages.size() - 1) {
      finish(pipefail ? failedStatus : current.exitCode());
    } else {
      startStage(now, currentOutput.toString());
    }
  }
}

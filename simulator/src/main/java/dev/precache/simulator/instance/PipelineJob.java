package dev.precache.simulator.instance;

import java.util.List;

/** {@code a | b | c}: each stage runs after the previous one, reading its whole output; exits with the last status. */
final class PipelineJob extends Job {
  private final List<List<String>> stages;
  private final Commands commands;
  private final Commands.Context context;
  private int stage = -1;
  private Job current;
  private StringBuilder currentOutput;

  PipelineJob(Io io, List<List<String>> stages, Commands commands, Commands.Context context) {
    super(io);
    this.stages = stages;
    this.commands = commands;
    this.context = context;
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
    if (stage == stages.size() - 1) {
      finish(current.exitCode());
    } else {
      startStage(now, currentOutput.toString());
    }
  }
}

package dev.precache.simulator.instance;

import dev.precache.simulator.instance.ShellScript.Connector;
import dev.precache.simulator.instance.ShellScript.Step;
import java.util.List;

/**
 * Runs a script's pipelines in order, honouring {@code &&}, {@code ||}, {@code set -e} and {@code set -o pipefail};
 * exits with the last status.
 */
final class ScriptJob extends Job {
  private final List<Step> steps;
  private final Commands commands;
  private final Commands.Context context;
  private int next;
  private int status;
  private boolean exitOnError;
  private boolean pipefail;
  private PipelineJob current;

  ScriptJob(Io io, ShellScript script, Commands commands, Commands.Context context) {
    super(io);
    this.steps = script.steps();
    this.commands = commands;
    this.context = context;
  }

  @Override
  void start(long now) {
    runFrom(now);
  }

  @Override
  long dueAt() {
    return finished() || current == null ? Long.MAX_VALUE : current.dueAt();
  }

  @Override
  void advance(long now) {
    if (finished() || current == null) {
      return;
    }
    current.advance(now);
    if (current.finished()) {
      stepFinished(current.exitCode());
      runFrom(now);
    }
  }

  @Override
  void kill(long now) {
    if (current != null) {
      current.kill(now);
    }
    finish(KILLED);
  }

  private void runFrom(long now) {
    while (!finished() && next < steps.size()) {
      Step step = steps.get(next++);
      boolean runs = step.connector() == Connector.ALWAYS
          || step.connector() == Connector.IF_SUCCEEDED && status == 0
          || step.connector() == Connector.IF_FAILED && status != 0;
      if (!runs) {
        continue;
      }
      if (isSet(step)) {
        applySet(step.pipeline().get(0));
        continue;
      }
      current = new PipelineJob(io, step.pipeline(), commands, context, pipefail);
      current.start(now);
      if (!current.finished()) {
        return;
      }
      stepFinished(current.exitCode());
    }
    finish(status);
  }

  private void stepFinished(int exitCode) {
    status = exitCode;
    boolean chainGoesOn = next < steps.size() && steps.get(next).connector() != Connector.ALWAYS;
    if (exitOnError && status != 0 && !chainGoesOn) {
      finish(status);
    }
  }

  private static boolean isSet(Step step) {
    return step.pipeline().size() == 1 && step.pipeline().get(0).get(0).equals("set");
  }

  /** {@code set -e}, {@code set -euo pipefail}, {@code set +e}, {@code set -o pipefail}: errexit and pipefail matter here. */
  private void applySet(List<String> words) {
    for (int i = 1; i < words.size(); i++) {
      String word = words.get(i);
      boolean on = word.startsWith("-");
      if (!on && !word.startsWith("+")) {
        continue;
      }
      if (word.contains("e")) {
        exitOnError = on;
      }
      if (word.contains("o") && i + 1 < words.size() && words.get(i + 1).equals("pipefail")) {
        pipefail = on;
        i++;
      }
    }
    status = 0;
  }
}

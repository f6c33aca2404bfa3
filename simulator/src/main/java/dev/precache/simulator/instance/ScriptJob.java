package dev.precache.simulator.instance;

import dev.precache.simulator.instance.ShellScript.Connector;
import dev.precache.simulator.instance.ShellScript.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a script's pipelines in order, honouring {@code &&}, {@code ||}, {@code set -e} and {@code set -o pipefail};
 * exits with the last status. Variables live in the script's own environment: assigned by {@code NAME=value} or
 * {@code NAME=$(commands)} (a subshell: the commands see a copy of the variables and pipefail, their output with trailing newlines removed is the
 * value, their status the step's), expanded in the words of each step as it runs.
 */
final class ScriptJob extends Job {
  private final List<Step> steps;
  private final Commands commands;
  private final Commands.Context context;
  private int next;
  private int status;
  private boolean exitOnError;
  private boolean pipefail;
  private final Map<String, String> variables;
  private Job current;
  private String assigning;
  private StringBuilder substituted;

  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(.*)", Pattern.DOTALL);

  ScriptJob(Io io, ShellScript script, Commands commands, Commands.Context context) {
    this(io, script, commands, context, new HashMap<>());
  }

  private ScriptJob(Io io, ShellScript script, Commands commands, Commands.Context context,
      Map<String, String> variables) {
    super(io);
    this.steps = script.steps();
    this.commands = commands;
    this.context = context;
    this.variables = variables;
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
      current = assignmentOrPipeline(step);
      current.start(now);
      if (!current.finished()) {
        return;
      }
      stepFinished(current.exitCode());
    }
    finish(status);
  }

  /**
   * The job of a step: an assignment (at once, or its command substitution's subshell) or the pipeline with its
   * words expanded.
   */
  private Job assignmentOrPipeline(Step step) {
    assigning = null;
    Matcher assignment = step.pipeline().size() == 1 && step.pipeline().get(0).size() == 1
        ? ASSIGNMENT.matcher(step.pipeline().get(0).get(0)) : null;
    if (assignment != null && assignment.matches()) {
      String name = assignment.group(1);
      String value = assignment.group(2);
      if (value.indexOf(ShellScript.SUBSTITUTION_START) == 0
          && value.indexOf(ShellScript.SUBSTITUTION_END) == value.length() - 1) {
        assigning = name;
        substituted = new StringBuilder();
        Io subshell = new Io("", substituted, io.stderr());
        try {
          ScriptJob substitution = new ScriptJob(subshell, ShellScript.parse(value.substring(1, value.length() - 1)),
              commands, context, new HashMap<>(variables));
          substitution.pipefail = pipefail; // bash's subshells keep pipefail; errexit they do not (no inherit_errexit)
          return substitution;
        } catch (ShellScript.SyntaxError e) {
          return Commands.failure(io, 0, 2, "bash: command substitution: " + e.getMessage());
        }
      }
      if (value.indexOf(ShellScript.SUBSTITUTION_START) < 0) {
        variables.put(name, expand(value));
        return new TimedJob(io, 0, () -> 0);
      }
    }
    List<List<String>> pipeline = new ArrayList<>();
    for (List<String> command : step.pipeline()) {
      List<String> words = new ArrayList<>();
      for (String word : command) {
        if (word.indexOf(ShellScript.SUBSTITUTION_START) >= 0) {
          return Commands.failure(io, 0, 2, "sh: the simulated shell substitutes commands only as NAME=$(...)");
        }
        words.add(expand(word));
      }
      pipeline.add(words);
    }
    return new PipelineJob(io, pipeline, commands, context, pipefail);
  }

  /** The word with each marked variable replaced by its value; an unset variable is empty. */
  private String expand(String word) {
    StringBuilder expanded = new StringBuilder();
    int at = 0;
    int start;
    while ((start = word.indexOf(ShellScript.VARIABLE_START, at)) >= 0) {
      int end = word.indexOf(ShellScript.VARIABLE_END, start);
      expanded.append(word, at, start).append(variables.getOrDefault(word.substring(start + 1, end), ""));
      at = end + 1;
    }
    return expanded.append(word.substring(at)).toString();
  }

  private void stepFinished(int exitCode) {
    if (assigning != null) {
      variables.put(assigning, substituted.toString().replaceFirst("\\n+$", ""));
      assigning = null;
    }
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

package dev.precache.demo;

import dev.precache.simulator.RequestLog.Call;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.StepTiming;
import io.temporal.api.history.v1.HistoryEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where one round of bench/api-storm's builds spent their time, for the tables under its summary: each step's
 * duration (from the builds' results), each activity's runs and attempts (from their histories), and each AWS
 * operation's calls and refusals (from the simulator's request log). Times in simulated seconds.
 */
record StormFigures(Map<String, List<Double>> stepSeconds, Map<String, ActivityFigures> activities,
    Map<String, long[]> callsByOperation) {

  /**
   * One activity type over every build: how often it ran, how many of those runs took more than one attempt and
   * the most attempts one took, and per run on average the time from scheduled to its last attempt's start (queued
   * for a slot, earlier attempts and Temporal's backoff between them) and that last attempt's own time.
   */
  record ActivityFigures(int runs, int retried, int maxAttempt, double beforeLastAttempt, double lastAttempt) {}

  static StormFigures of(List<BuildResult> results, List<List<HistoryEvent>> histories, List<Call> calls,
      double timeScale) {
    Map<String, List<Double>> steps = new LinkedHashMap<>();
    for (BuildResult result : results) {
      for (StepTiming step : result.steps()) {
        steps.computeIfAbsent(step.number() + " " + step.name(), name -> new ArrayList<>())
            .add(step.millis() / 1000.0 / timeScale);
      }
    }
    Map<String, List<double[]>> runs = new TreeMap<>();
    for (List<HistoryEvent> events : histories) {
      Map<Long, HistoryEvent> scheduled = new HashMap<>();
      Map<Long, HistoryEvent> started = new HashMap<>();
      for (HistoryEvent event : events) {
        if (event.hasActivityTaskScheduledEventAttributes()) {
          scheduled.put(event.getEventId(), event);
        } else if (event.hasActivityTaskStartedEventAttributes()) {
          started.put(event.getActivityTaskStartedEventAttributes().getScheduledEventId(), event);
        } else if (event.hasActivityTaskCompletedEventAttributes()) {
          long of = event.getActivityTaskCompletedEventAttributes().getScheduledEventId();
          HistoryEvent start = started.get(of);
          HistoryEvent schedule = scheduled.get(of);
          runs.computeIfAbsent(schedule.getActivityTaskScheduledEventAttributes().getActivityType().getName(),
              type -> new ArrayList<>()).add(new double[] {
                  start.getActivityTaskStartedEventAttributes().getAttempt(),
                  (seconds(start) - seconds(schedule)) / timeScale,
                  (seconds(event) - seconds(start)) / timeScale});
        }
      }
    }
    Map<String, ActivityFigures> activities = new LinkedHashMap<>();
    runs.forEach((type, list) -> activities.put(type, new ActivityFigures(list.size(),
        (int) list.stream().filter(run -> run[0] > 1).count(),
        (int) list.stream().mapToDouble(run -> run[0]).max().orElse(0),
        list.stream().mapToDouble(run -> run[1]).average().orElse(0),
        list.stream().mapToDouble(run -> run[2]).average().orElse(0))));
    Map<String, long[]> byOperation = new TreeMap<>();
    for (Call call : calls) {
      // The builder stack, which every build waits for, apart from each build's own stack.
      String operation = "precache-builder".equals(call.parameters().get("StackName"))
          ? call.operation() + "(builder)" : call.operation();
      long[] counts = byOperation.computeIfAbsent(operation, any -> new long[2]);
      counts[0]++;
      if (call.errorCode() != null) {
        counts[1]++;
      }
    }
    return new StormFigures(steps, activities, byOperation);
  }

  private static double seconds(HistoryEvent event) {
    return event.getEventTime().getSeconds() + event.getEventTime().getNanos() / 1e9;
  }

  /** Each step's median and slowest over the builds, one column per round. */
  static void printSteps(Map<String, StormFigures> rounds) {
    List<String> steps = rounds.values().stream().flatMap(round -> round.stepSeconds().keySet().stream())
        .distinct().sorted(Comparator.comparing(StormFigures::stepNumber)).toList();
    System.out.printf(Locale.ROOT, "%nper step, simulated s: median / slowest of the builds%n%-48s", "step");
    rounds.keySet().forEach(round -> System.out.printf(Locale.ROOT, " %17s", round));
    System.out.println();
    for (String step : steps) {
      System.out.printf(Locale.ROOT, "%-48s", step);
      for (StormFigures round : rounds.values()) {
        List<Double> sorted = round.stepSeconds().getOrDefault(step, List.of()).stream().sorted().toList();
        System.out.printf(Locale.ROOT, " %17s", sorted.isEmpty() ? "-" : String.format(Locale.ROOT, "%7.0f / %-7.0f",
            sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1)));
      }
      System.out.println();
    }
  }

  private static int stepNumber(String step) {
    return Integer.parseInt(step.substring(0, step.indexOf(' ')));
  }

  /** Per activity type: runs, runs retried, the most attempts, and where an average run's time went. */
  void printActivities(String round) {
    System.out.printf(Locale.ROOT, "%n%s, activities: runs, runs with attempt > 1, most attempts; per run, simulated"
        + " s: scheduled to last attempt's start, last attempt%n", round);
    activities.forEach((type, figures) -> System.out.printf(Locale.ROOT, "  %-30s %4d %4d %4d %8.1f %8.1f%n", type,
        figures.runs(), figures.retried(), figures.maxAttempt(), figures.beforeLastAttempt(), figures.lastAttempt()));
  }

  /** The operations called most: calls and refused. */
  void printCalls(String round, int top) {
    System.out.printf(Locale.ROOT, "%n%s, AWS calls (refused of all) by operation:%n  %s%n", round,
        callsByOperation.entrySet().stream()
            .sorted(Comparator.comparing((Map.Entry<String, long[]> entry) -> entry.getValue()[0]).reversed())
            .limit(top)
            .map(entry -> entry.getKey() + " " + entry.getValue()[1] + "/" + entry.getValue()[0])
            .collect(Collectors.joining(", ")));
  }
}

package dev.precache.demo;

import com.google.protobuf.Timestamp;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.ssm.Command;
import dev.precache.simulator.ssm.InvocationResult;
import dev.precache.workflows.InstanceActivities.PullSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where a build's pull step spends its time, pull by pull, in simulated seconds from the first pull's scheduling:
 * the activity's scheduling, start and completion (the workflow's history), its SSM command's sending, start and
 * end on the instance (the simulator's Run Command), and the workflow task that saw the last pull done. Between
 * them: the wait for a worker's slot, the look-up before sending, SSM's delivery, the pull on the instance, and
 * how long the activity took to notice the command had ended.
 */
record PullTimeline(List<Row> rows, long firstScheduledAt, long stepSeenDoneAt) {

  /** One pull, every time in simulated epoch milliseconds; -1 where it did not happen. */
  record Row(String pull, long scheduled, long started, long sent, long executing, long executed, long completed) {}

  static PullTimeline of(List<HistoryEvent> events, Cloud cloud, String region, String instanceId) {
    SimClock clock = cloud.clock();
    Map<Long, HistoryEvent> scheduledById = new HashMap<>();
    Map<Long, HistoryEvent> startedByScheduled = new HashMap<>();
    Map<Long, HistoryEvent> completedByScheduled = new HashMap<>();
    for (HistoryEvent event : events) {
      switch (event.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          if (event.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("PullImage")) {
            scheduledById.put(event.getEventId(), event);
          }
        }
        case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
            startedByScheduled.put(event.getActivityTaskStartedEventAttributes().getScheduledEventId(), event);
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
            completedByScheduled.put(event.getActivityTaskCompletedEventAttributes().getScheduledEventId(), event);
        default -> { }
      }
    }
    List<Command> commands = new ArrayList<>(cloud.region(region).ssm().commands());
    long now = clock.nowMillis();
    List<Row> rows = new ArrayList<>();
    long lastCompleted = -1;
    for (HistoryEvent scheduled : scheduledById.values()) {
      PullSpec spec = DefaultDataConverter.newDefaultInstance().fromPayloads(0,
          Optional.of(scheduled.getActivityTaskScheduledEventAttributes().getInput()), PullSpec.class, PullSpec.class);
      // The pull's command: the newest sent for this image and platform (a retried attempt may have sent another).
      Optional<Command> command = commands.stream()
          .filter(sent -> sent.parameters().getOrDefault("commands", List.of()).stream()
              .anyMatch(line -> line.contains(" " + spec.image() + " ") && line.contains(" --platform " + spec.platform())))
          .max(Comparator.comparing(Command::requested));
      Optional<InvocationResult> invocation = command.map(sent -> sent.results(now).get(instanceId));
      long sent = command.map(c -> c.requested().toEpochMilli()).orElse(-1L);
      HistoryEvent completed = completedByScheduled.get(scheduled.getEventId());
      long completedAt = completed == null ? -1 : simulated(clock, completed.getEventTime());
      lastCompleted = Math.max(lastCompleted, completedAt);
      HistoryEvent started = startedByScheduled.get(scheduled.getEventId());
      rows.add(new Row(spec.image().substring(spec.image().lastIndexOf('/') + 1) + " " + spec.platform(),
          simulated(clock, scheduled.getEventTime()),
          started == null ? -1 : simulated(clock, started.getEventTime()),
          sent,
          invocation.map(InvocationResult::startMillis).orElse(-1L),
          invocation.map(InvocationResult::endMillis).orElse(-1L),
          completedAt));
    }
    rows.sort(Comparator.comparingLong(Row::scheduled));
    long seenDone = -1;
    for (HistoryEvent event : events) {
      if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
          && simulated(clock, event.getEventTime()) >= lastCompleted && lastCompleted >= 0) {
        seenDone = simulated(clock, event.getEventTime());
        break;
      }
    }
    return new PullTimeline(rows, rows.isEmpty() ? 0 : rows.get(0).scheduled(), seenDone);
  }

  /**
   * The deploy step's activities (ensure the builder stack, deploy the build stack) beside the moments their
   * stacks reached CREATE_COMPLETE in the simulator, in simulated seconds from the first one's scheduling: what
   * lies between a stack being done and the activity seeing it is the poll.
   */
  static void printStacks(PrintWriter out, List<HistoryEvent> events, Cloud cloud) {
    SimClock clock = cloud.clock();
    Map<Long, String> types = new HashMap<>();
    List<String> lines = new ArrayList<>();
    long first = -1;
    for (HistoryEvent event : events) {
      long at = simulated(clock, event.getEventTime());
      switch (event.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          String type = event.getActivityTaskScheduledEventAttributes().getActivityType().getName();
          if (type.equals("EnsureBuilderStack") || type.equals("DeployStack")) {
            types.put(event.getEventId(), type);
            first = first < 0 ? at : first;
            lines.add(String.format(Locale.ROOT, "%s scheduled %.1f", type, (at - first) / 1000.0));
          }
        }
        case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
          String type = types.get(event.getActivityTaskStartedEventAttributes().getScheduledEventId());
          if (type != null) {
            lines.add(String.format(Locale.ROOT, "%s started %.1f", type, (at - first) / 1000.0));
          }
        }
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
          String type = types.get(event.getActivityTaskCompletedEventAttributes().getScheduledEventId());
          if (type != null) {
            lines.add(String.format(Locale.ROOT, "%s completed %.1f", type, (at - first) / 1000.0));
          }
        }
        default -> { }
      }
    }
    long origin = first;
    cloud.allStacks().forEach(stack -> stack.events().stream()
        .filter(e -> e.resourceType().equals("AWS::CloudFormation::Stack") && e.status().equals("CREATE_COMPLETE"))
        .forEach(e -> lines.add(String.format(Locale.ROOT, "stack %s CREATE_COMPLETE %.1f", stack.name(),
            (e.timestamp().toEpochMilli() - origin) / 1000.0))));
    out.printf(Locale.ROOT, "  deploy step, simulated s from its first activity's scheduling: %s%n",
        String.join("; ", lines));
  }

  private static long simulated(SimClock clock, Timestamp time) {
    return clock.simulatedMillisAt(time.getSeconds() * 1000 + time.getNanos() / 1_000_000);
  }

  void print(PrintWriter out) {
    out.printf(Locale.ROOT, "  pulls, simulated s from the first pull's scheduling:%n");
    out.printf(Locale.ROOT, "    %-34s %6s %6s %6s %6s %6s %6s  %5s %5s %5s %6s %5s%n", "pull", "sched", "start",
        "sent", "exec", "ended", "done", "slot", "send", "deliv", "run", "seen");
    for (Row row : rows) {
      out.printf(Locale.ROOT, "    %-34s %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f  %5.1f %5.1f %5.1f %6.1f %5.1f%n",
          row.pull(), at(row.scheduled()), at(row.started()), at(row.sent()), at(row.executing()), at(row.executed()),
          at(row.completed()), span(row.scheduled(), row.started()), span(row.started(), row.sent()),
          span(row.sent(), row.executing()), span(row.executing(), row.executed()), span(row.executed(), row.completed()));
    }
    out.printf(Locale.ROOT, "    the workflow saw the last pull done at %.1f s%n", at(stepSeenDoneAt));
  }

  private double at(long millis) {
    return millis < 0 ? Double.NaN : (millis - firstScheduledAt) / 1000.0;
  }

  private static double span(long from, long to) {
    return from < 0 || to < 0 ? Double.NaN : (to - from) / 1000.0;
  }
}

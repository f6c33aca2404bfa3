package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecution;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleInfo;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.client.schedules.ScheduleSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;

/** {@code schedule describe}'s report: when a schedule runs, its policies, its runs, and the build it makes. */
final class ScheduleDescriptionPrinter {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private static final int NEXT_RUNS_SHOWN = 3;

  private final PrintWriter out;

  ScheduleDescriptionPrinter(PrintWriter out) {
    this.out = out;
  }

  static String time(Instant instant) {
    return TIME.format(instant);
  }

  void print(ScheduleDescription description) {
    Schedule schedule = description.getSchedule();
    ScheduleInfo info = description.getInfo();
    out.println("Schedule " + description.getId());
    out.println("  state:      " + (schedule.getState().isPaused() ? "paused" : "active")
        + (isBlank(schedule.getState().getNote()) ? "" : " (" + schedule.getState().getNote() + ")"));
    printSpec(schedule.getSpec());
    out.println("  overlap:    " + Overlap.of(schedule.getPolicy().getOverlap()));
    out.println("  catch-up:   " + (schedule.getPolicy().getCatchupWindow() == null ? "server default"
        : BuildWorkflowOptions.human(schedule.getPolicy().getCatchupWindow())));
    out.println("  runs:       " + info.getNumActions() + " started, " + info.getNumActionsSkippedOverlap()
        + " skipped (overlap), " + info.getNumActionsMissedCatchupWindow() + " missed (catch-up window)");
    info.getRunningActions().forEach(running -> out.println("  running:    " + workflowId(running)));
    for (ScheduleActionResult recent : info.getRecentActions()) {
      out.println("  recent:     " + time(recent.getScheduledAt()) + " UTC  " + workflowId(recent.getAction()));
    }
    info.getNextActionTimes().stream().limit(NEXT_RUNS_SHOWN)
        .forEach(next -> out.println("  next:       " + time(next) + " UTC"));
    if (schedule.getAction() instanceof ScheduleActionStartWorkflow start) {
      printBuild(start);
    }
    out.flush();
  }

  private void printSpec(ScheduleSpec spec) {
    for (String cron : spec.getCronExpressions()) {
      out.println("  cron:       " + cron);
    }
    for (ScheduleCalendarSpec calendar : spec.getCalendars()) {
      out.println("  calendar:   " + cron(calendar));
    }
    for (ScheduleIntervalSpec interval : spec.getIntervals()) {
      out.println("  every:      " + BuildWorkflowOptions.human(interval.getEvery())
          + (interval.getOffset() == null || interval.getOffset().isZero() ? ""
              : " offset " + BuildWorkflowOptions.human(interval.getOffset())));
    }
    out.println("  time zone:  " + (isBlank(spec.getTimeZoneName()) ? "UTC" : spec.getTimeZoneName()));
    if (spec.getJitter() != null && !spec.getJitter().isZero()) {
      out.println("  jitter:     " + BuildWorkflowOptions.human(spec.getJitter()));
    }
  }

  private void printBuild(ScheduleActionStartWorkflow start) {
    out.println("  workflow:   " + start.getWorkflowType() + " on task queue " + start.getOptions().getTaskQueue()
        + ", IDs " + start.getOptions().getWorkflowId() + "-<time>");
    out.println("  builds:     " + start.getOptions().getStaticSummary());
    BuildRequest request = start.getArguments().get(0, BuildRequest.class);
    request.images().forEach(image -> out.println("    " + image));
    out.println("  platforms:  " + String.join(", ", request.platforms()));
    out.println("  instance:   " + request.instanceType() + ", " + request.volumeSizeGiB() + " GiB"
        + (request.encrypt() ? " encrypted" : "") + ", AMI from " + request.amiParameter());
    out.println("  timeout:    " + BuildWorkflowOptions.human(request.timeout()));
    if (request.outputParameterName() != null) {
      out.println("  publishes:  " + request.outputParameterName());
    }
  }

  /** The server stores crons as calendars; printed back in cron's order: minute hour day month weekday. */
  static String cron(ScheduleCalendarSpec calendar) {
    String fields = String.join(" ", field(calendar.getMinutes(), 0, 59), field(calendar.getHour(), 0, 23),
        field(calendar.getDayOfMonth(), 1, 31), field(calendar.getMonth(), 1, 12), field(calendar.getDayOfWeek(), 0, 6));
    return isBlank(calendar.getComment()) ? fields : fields + "  # " + calendar.getComment();
  }

  /** A calendar field as cron writes it: {@code *} for the whole range {@code min}–{@code max}. */
  private static String field(List<ScheduleRange> ranges, int min, int max) {
    if (ranges.isEmpty() || ranges.size() == 1 && ranges.get(0).getStart() == min && ranges.get(0).getEnd() == max
        && ranges.get(0).getStep() <= 1) {
      return "*";
    }
    return ranges.stream().map(range -> {
      String span = range.getEnd() <= range.getStart() ? String.valueOf(range.getStart())
          : range.getStart() + "-" + range.getEnd();
      return range.getStep() > 1 ? span + "/" + range.getStep() : span;
    }).collect(Collectors.joining(","));
  }

  private static String workflowId(ScheduleActionExecution execution) {
    return execution instanceof ScheduleActionExecutionStartWorkflow start ? start.getWorkflowId() : execution.toString();
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }
}

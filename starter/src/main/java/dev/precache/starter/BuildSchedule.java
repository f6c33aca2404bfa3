package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Temporal Schedule that starts one build again and again: {@link SnapshotBuildWorkflow} on its task queue,
 * started as {@code build} starts it, plus the schedule's ID as a search attribute.
 */
final class BuildSchedule {
  /** The memo key whose value says in one line what a schedule builds; the other keys spell it out. */
  static final String SUMMARY = "summary";

  private BuildSchedule() {}

  /** The schedule for a validated request. */
  static Schedule of(String scheduleId, BuildRequest request, ScheduleTiming timing) {
    ScheduleSpec.Builder spec = ScheduleSpec.newBuilder()
        .setCronExpressions(timing.crons())
        .setTimeZoneName(timing.timeZone())
        .setJitter(timing.jitter());
    if (timing.every() != null) {
      spec.setIntervals(List.of(timing.offset() == null
          ? new ScheduleIntervalSpec(timing.every())
          : new ScheduleIntervalSpec(timing.every(), timing.offset())));
    }
    ScheduleState.Builder state = ScheduleState.newBuilder().setPaused(timing.paused());
    if (timing.note() != null) {
      state.setNote(timing.note());
    }
    return Schedule.newBuilder()
        .setAction(action(scheduleId, request))
        .setSpec(spec.build())
        .setPolicy(SchedulePolicy.newBuilder()
            .setOverlap(timing.overlap().policy())
            .setCatchupWindow(timing.catchupWindow())
            .build())
        .setState(state.build())
        .build();
  }

  /** The schedule's memo: what it builds, for {@code schedule list} and the Web UI. */
  static ScheduleOptions options(BuildRequest request) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put(SUMMARY, BuildWorkflowOptions.summary(request));
    memo.put("name", request.name());
    memo.put("region", request.region());
    memo.put("images", request.images());
    memo.put("platforms", request.platforms());
    return ScheduleOptions.newBuilder().setMemo(memo).build();
  }

  /** Temporal appends each run's scheduled time to this, so every scheduled build has its own workflow ID. */
  static String workflowIdPrefix(String scheduleId) {
    return "precache-" + scheduleId;
  }

  private static ScheduleActionStartWorkflow action(String scheduleId, BuildRequest request) {
    return ScheduleActionStartWorkflow.newBuilder()
        .setWorkflowType(SnapshotBuildWorkflow.class)
        .setArguments(request)
        .setOptions(BuildWorkflowOptions.of(request)
            .setWorkflowId(workflowIdPrefix(scheduleId))
            .setTypedSearchAttributes(BuildWorkflowOptions.searchAttributes(request)
                .set(BuildSearchAttributes.SCHEDULE_ID, scheduleId)
                .build())
            .build())
        .build();
  }
}

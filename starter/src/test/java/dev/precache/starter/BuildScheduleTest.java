package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildSearchAttributes;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildScheduleTest {
  private static final BuildRequest REQUEST = BuildRequestValidator.normalize(new BuildRequest("gpu-models",
      "us-west-2", List.of("quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b", "ghcr.io/llm-d/llm-d:v0.2.0"),
      List.of("amd64", "arm64"), null, null, false, null, null, null, null, null, null, true, null,
      Duration.ofHours(2), null, null, null));

  private static ScheduleTiming nightly(Overlap overlap) {
    return new ScheduleTiming(List.of("0 3 * * *"), null, null, "Europe/Berlin", overlap, Duration.ofHours(1),
        Duration.ofMinutes(10), false, null);
  }

  @Test
  void aScheduleKeepsThreeSnapshotsUnlessItsBuildSaysOtherwise() {
    assertThat(ScheduleCreateCommand.withDefaultRetention(REQUEST).keepSnapshots()).isEqualTo(3);
    assertThat(ScheduleCreateCommand.withDefaultRetention(REQUEST.withKeepSnapshots(7)).keepSnapshots()).isEqualTo(7);
    Schedule schedule = BuildSchedule.of("gpu-nightly", ScheduleCreateCommand.withDefaultRetention(REQUEST),
        nightly(Overlap.SKIP));
    BuildRequest scheduled = ((ScheduleActionStartWorkflow) schedule.getAction()).getArguments()
        .get(0, BuildRequest.class);
    assertThat(scheduled.keepSnapshots()).isEqualTo(3);
  }

  @Test
  void cronSpecWithTimeZoneAndJitter() {
    Schedule schedule = BuildSchedule.of("gpu-nightly", REQUEST, nightly(Overlap.SKIP));

    assertThat(schedule.getSpec().getCronExpressions()).containsExactly("0 3 * * *");
    assertThat(schedule.getSpec().getIntervals()).isNullOrEmpty();
    assertThat(schedule.getSpec().getTimeZoneName()).isEqualTo("Europe/Berlin");
    assertThat(schedule.getSpec().getJitter()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void intervalSpecWithOffset() {
    ScheduleTiming timing = new ScheduleTiming(List.of(), Duration.ofHours(24), Duration.ofHours(3), null,
        Overlap.SKIP, null, null, false, null);

    Schedule schedule = BuildSchedule.of("daily", REQUEST, timing);

    assertThat(schedule.getSpec().getIntervals())
        .containsExactly(new ScheduleIntervalSpec(Duration.ofHours(24), Duration.ofHours(3)));
    assertThat(schedule.getSpec().getCronExpressions()).isEmpty();
  }

  @Test
  void policiesAndStateAsGiven() {
    Schedule schedule = BuildSchedule.of("gpu-nightly", REQUEST, new ScheduleTiming(List.of("0 3 * * *"), null,
        null, null, Overlap.BUFFER_ONE, Duration.ofHours(1), null, true, "waiting for the new AMI"));

    assertThat(schedule.getPolicy().getOverlap()).isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
    assertThat(schedule.getPolicy().getCatchupWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(schedule.getState().isPaused()).isTrue();
    assertThat(schedule.getState().getNote()).isEqualTo("waiting for the new AMI");
  }

  @Test
  void actionStartsTheBuildWorkflowAsBuildDoesTaggedWithTheSchedule() {
    ScheduleActionStartWorkflow action =
        (ScheduleActionStartWorkflow) BuildSchedule.of("gpu-nightly", REQUEST, nightly(Overlap.SKIP)).getAction();
    WorkflowOptions options = action.getOptions();

    assertThat(action.getWorkflowType()).isEqualTo("SnapshotBuildWorkflow");
    assertThat(action.getArguments().get(0, BuildRequest.class)).isEqualTo(REQUEST);
    assertThat(options.getWorkflowId()).isEqualTo("precache-gpu-nightly");
    assertThat(options.getTaskQueue()).isEqualTo("precache");
    assertThat(options.getWorkflowRunTimeout()).isEqualTo(Duration.ofHours(3));
    assertThat(options.getStaticSummary())
        .isEqualTo("precache build gpu-models: 2 images × 2 platforms → us-west-2");
    assertThat(options.getStaticDetails()).contains("- `ghcr.io/llm-d/llm-d:v0.2.0`", "linux/amd64, linux/arm64");
    var attributes = options.getTypedSearchAttributes();
    assertThat(attributes.get(BuildSearchAttributes.SCHEDULE_ID)).isEqualTo("gpu-nightly");
    assertThat(attributes.get(BuildSearchAttributes.STATUS)).isEqualTo("RUNNING");
    assertThat(attributes.get(BuildSearchAttributes.REGION)).isEqualTo("us-west-2");
    assertThat(attributes.get(BuildSearchAttributes.BUILD_NAME)).isEqualTo("gpu-models");
    assertThat(attributes.get(BuildSearchAttributes.IMAGES)).isEqualTo(REQUEST.images());
  }

  @Test
  void memoSaysWhatItBuilds() {
    ScheduleOptions options = BuildSchedule.options(REQUEST);

    assertThat(options.getMemo()).containsEntry("summary", "precache build gpu-models: 2 images × 2 platforms → us-west-2")
        .containsEntry("name", "gpu-models")
        .containsEntry("region", "us-west-2")
        .containsEntry("images", REQUEST.images())
        .containsEntry("platforms", List.of("linux/amd64", "linux/arm64"));
  }

  @Test
  void anUnnamedBuildIsSummarisedWithoutTheDefaultName() {
    BuildRequest unnamed = BuildRequestValidator.normalize(new BuildRequest(null, "us-west-2", List.of("nginx"), null,
        null, null, false, null, null, null, null, null, null, true, Map.of(), null, null, null, null));

    assertThat(BuildWorkflowOptions.summary(unnamed)).isEqualTo("precache build: 1 image × 1 platform → us-west-2");
  }
}

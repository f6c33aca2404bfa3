package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.ssm.Parameter;
import dev.precache.workflows.BuildResult;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A nightly rebuild as a Temporal Schedule, driven through {@code precache schedule}: the embedded test server
 * has no Schedules, the real one does. Its build is the real one, on the simulated cloud.
 */
class BuildScheduleTest extends RealBuildTest {
  private static final String SCHEDULE_ID = "it-nightly-gpu";
  private static final String CUDA = "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04";
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String OUTPUT_PARAMETER = "/precache/nightly-gpu/snapshot-id";
  /** What a team keeps in git; the schedule runs it every 24 hours, so the test triggers it. */
  private static final String SPEC = """
      name: nightly-gpu
      region: us-east-1
      arch: [linux/amd64, linux/arm64]
      outputParameterName: %s
      images:
        - %s
        - %s
      """.formatted(OUTPUT_PARAMETER, CUDA, BUSYBOX);

  @Test
  void scheduleFromASpecFileBuildsWhenTriggeredAndIsPausedAndDeleted() throws Exception {
    Cli cli = new Cli(temporal.client());
    Path spec = BuildDirectory.newDirectory("spec-").resolve("gpu.yaml");
    Files.writeString(spec, SPEC);

    assertSucceeds(cli.run("schedule", "create", SCHEDULE_ID, "--spec", spec.toString(), "--every", "24h"));
    assertSucceeds(cli.run("schedule", "trigger", SCHEDULE_ID));

    ScheduleHandle handle = temporal.scheduleClient().getHandle(SCHEDULE_ID);
    ScheduleActionExecutionStartWorkflow started = awaitFirstAction(handle);
    BuildResult result = temporal.client()
        .newUntypedWorkflowStub(started.getWorkflowId(), Optional.of(started.getFirstExecutionRunId()), Optional.empty())
        .getResult(60, TimeUnit.SECONDS, BuildResult.class);
    assertThat(started.getWorkflowId()).as("each scheduled run has its own workflow ID")
        .startsWith("precache-" + SCHEDULE_ID + "-");
    assertThat(aws.snapshotContents(result.snapshotId())).isEqualTo(
        SimulatedAws.imagesTimesPlatforms(List.of(CUDA, BUSYBOX), List.of("linux/amd64", "linux/arm64")));
    assertThat(publishedSnapshotId()).isEqualTo(result.snapshotId());
    aws.assertNothingLeft();
    cli.awaitListed(Set.of(started.getWorkflowId()), "--schedule", SCHEDULE_ID, "--status", "SUCCEEDED");

    assertSucceeds(cli.run("schedule", "pause", SCHEDULE_ID, "--note", "paused by the integration test"));
    ScheduleDescription paused = handle.describe();
    assertThat(paused.getSchedule().getState().isPaused()).isTrue();
    assertThat(paused.getSchedule().getState().getNote()).isEqualTo("paused by the integration test");
    assertThat(paused.getInfo().getNumActions()).isEqualTo(1);
    Cli.Run describe = cli.run("schedule", "describe", SCHEDULE_ID);
    assertSucceeds(describe);
    assertThat(describe.out()).contains("state:      paused", "every:      24h", CUDA, started.getWorkflowId());
    // The schedule list is eventually consistent, like every visibility query.
    Cli.Run list = cli.run("schedule", "list");
    for (int i = 0; i < 50 && !list.out().contains("paused (paused by the integration test)"); i++) {
      Thread.sleep(200);
      list = cli.run("schedule", "list");
    }
    assertThat(list.out()).as("%s", list)
        .containsPattern(SCHEDULE_ID + "\\s+paused \\(paused by the integration test\\)\\s+-\\s");

    assertSucceeds(cli.run("schedule", "delete", SCHEDULE_ID));
    Cli.Run describeDeleted = cli.run("schedule", "describe", SCHEDULE_ID);
    assertThat(describeDeleted.exitCode()).as("%s", describeDeleted).isEqualTo(1);
    assertThat(describeDeleted.err()).contains("no schedule named " + SCHEDULE_ID);
  }

  private static void assertSucceeds(Cli.Run run) {
    assertThat(run.exitCode()).as("%s", run).isZero();
  }

  private static String publishedSnapshotId() {
    Cloud cloud = aws.cloud();
    synchronized (cloud) {
      return cloud.region("us-east-1").ssm().findParameter(OUTPUT_PARAMETER).map(Parameter::value).orElse(null);
    }
  }

  private static ScheduleActionExecutionStartWorkflow awaitFirstAction(ScheduleHandle handle)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    List<ScheduleActionResult> actions = handle.describe().getInfo().getRecentActions();
    while (actions.isEmpty() && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      actions = handle.describe().getInfo().getRecentActions();
    }
    assertThat(actions).as("actions of the triggered schedule").hasSize(1);
    return (ScheduleActionExecutionStartWorkflow) actions.get(0).getAction();
  }
}

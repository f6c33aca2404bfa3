package dev.precache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.FastSnapshotRestores;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code plan}'s restore estimates against what the simulator measures: a build of a 15 GB model image, then a
 * node's data volume created from its snapshot lazily, at 300 MiB/s and with fast snapshot restore, each read
 * whole as a node reading its images would ({@code dd} of the snapshot's bytes through Run Command's shell).
 */
class RestoreTimeEndToEndTest {
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  /**
   * The plan estimates the bytes a build writes before it runs (unpacked ×1 for model weights, + 1 GiB of
   * metadata); the snapshot holds what containerd wrote. 10 % covers that difference and the fixed costs of the
   * read (apiclient exec), not the model: a wrong rate or byte count is off by far more.
   */
  private static final double TOLERANCE = 0.10;

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  @Test
  void planEstimatesForLazyRateAndFastRestoreMatchTheMeasuredReadOfARestoredVolume() throws Exception {
    local = LocalCloud.start(0.005);
    RestoreReads.Measured measured = RestoreReads.measure(local, List.of(LLAMA));

    System.out.println(measured.planText());
    assertThat(measured.rows()).extracting(RestoreReads.Row::option).containsExactly("lazy", "rate 300",
        "fast-restore");
    for (RestoreReads.Row row : measured.rows()) {
      System.out.printf(Locale.ROOT, "%-14s plan %6.0f s  measured %6.0f s  %+5.1f%%%n", row.option(),
          row.estimatedSeconds(), row.measuredSeconds(), row.offPercent());
      assertThat(row.measuredSeconds()).as(row.option()).isBetween(row.estimatedSeconds() * (1 - TOLERANCE),
          row.estimatedSeconds() * (1 + TOLERANCE));
    }
    // The three are far apart: lazy is the slowest by an order of magnitude, FSR the fastest.
    assertThat(measured.rows().get(0).measuredSeconds()).isGreaterThan(10 * measured.rows().get(1).measuredSeconds());
    assertThat(measured.rows().get(2).measuredSeconds()).isLessThan(measured.rows().get(1).measuredSeconds());
  }

  @Test
  void fastRestoreIsEnabledBeforePublishingAndMovesOffTheSupersededSnapshot() throws Exception {
    local = LocalCloud.start(0.005);
    Cloud cloud = local.cloud();
    String busybox = "docker.io/library/busybox:latest";
    CliRun first = local.runCli("build", "-r", LocalCloud.REGION, "--name", "fsr", "--fast-restore", "us-west-2a",
        "-op", "/precache/fsr", busybox);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("  restore: a new node reads every image fast restore in us-west-2a: ");
    String older = cloud.allSnapshots().iterator().next().id();
    Ec2Model ec2 = cloud.region(LocalCloud.REGION).ec2();
    assertThat(fastRestoreStates(ec2, older, cloud.advance())).containsExactly(Map.entry("us-west-2a", "enabled"));
    assertThat(cloud.snapshot(older).orElseThrow().tags()).containsEntry("precache:fast-restore", "us-west-2a");

    CliRun second = local.runCli("build", "-r", LocalCloud.REGION, "--name", "fsr", "--fast-restore",
        "us-west-2a,us-west-2b", "-op", "/precache/fsr", "--force", "-q", busybox);
    assertThat(second.exitCode()).as(second.err()).isZero();
    String newer = second.out().strip();
    long now = cloud.advance();
    assertThat(fastRestoreStates(ec2, newer, now)).containsOnly(Map.entry("us-west-2a", "enabled"),
        Map.entry("us-west-2b", "enabled"));
    assertThat(cloud.snapshot(newer).orElseThrow().tags()).containsEntry("precache:fast-restore",
        "us-west-2a,us-west-2b");
    // The superseded snapshot stops costing FSR and no longer says it has it.
    assertThat(fastRestoreStates(ec2, older, now).get("us-west-2a")).isIn("disabling", "disabled");
    assertThat(cloud.snapshot(older).orElseThrow().tags()).doesNotContainKey("precache:fast-restore");
  }

  private static Map<String, String> fastRestoreStates(Ec2Model ec2, String snapshotId, long now) {
    return ec2.fastSnapshotRestores().stream().filter(entry -> entry.snapshotId().equals(snapshotId))
        .collect(java.util.stream.Collectors.toMap(FastSnapshotRestores.Entry::availabilityZone,
            entry -> entry.state(now)));
  }
}

package dev.precache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.ec2.BlockDevice;
import dev.precache.simulator.ec2.BottlerocketImages;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.FastSnapshotRestores;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.LaunchSpec;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.ExecutionStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.StreamSupport;
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
    Cloud cloud = local.cloud();
    CliRun plan = local.runCli("plan", "-r", LocalCloud.REGION, "--output", "json", LLAMA);
    assertThat(plan.exitCode()).as(plan.err()).isZero();
    JsonNode planned = new ObjectMapper().readTree(plan.out());
    CliRun table = local.runCli("plan", "-r", LocalCloud.REGION, LLAMA);
    System.out.println(table.out().substring(table.out().indexOf("Restore:")));

    CliRun built = local.runCli("build", "-r", LocalCloud.REGION, "-q", LLAMA);
    assertThat(built.exitCode()).as(built.err()).isZero();
    Snapshot snapshot = cloud.snapshot(built.out().strip()).orElseThrow();
    Ec2Model ec2 = cloud.region(LocalCloud.REGION).ec2();
    int throughput = planned.path("volume").path("throughputMiBps").asInt();
    int iops = planned.path("volume").path("iops").asInt();

    System.out.printf(Locale.ROOT, "%-14s %12s %12s %8s%n", "option", "plan (s)", "measured (s)", "off");
    for (JsonNode option : planned.path("restore").path("alternatives")) {
      String method = option.path("method").asText();
      long now = cloud.advance();
      Integer rate = method.equals("rate") ? option.path("rateMiBps").asInt() : null;
      if (method.equals("fast-restore")) {
        List<String> zones = StreamSupport.stream(option.path("zones").spliterator(), false).map(JsonNode::asText)
            .toList();
        FastSnapshotRestores.Outcome enabled = ec2.enableFastSnapshotRestores(List.of(snapshot.id()), zones, now);
        assertThat(enabled.unsuccessful()).isEmpty();
        // The volume is created once FSR is enabled: the build waits for that before it publishes.
        now = enabled.successful().get(0).stateTimes(Long.MAX_VALUE).get("enabled").toEpochMilli();
      }
      double measured = readSeconds(ec2, snapshot, throughput, iops, rate, now);
      double estimate = option.path("untilReadableSeconds").asDouble();
      System.out.printf(Locale.ROOT, "%-14s %12.0f %12.0f %7.1f%%%n", method + (rate == null ? "" : " " + rate),
          estimate, measured, 100 * (measured - estimate) / estimate);
      assertThat(measured).as(method).isBetween(estimate * (1 - TOLERANCE), estimate * (1 + TOLERANCE));
    }
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

  /** Launches a node whose data volume comes from the snapshot at {@code now} and reads the snapshot's bytes. */
  private static double readSeconds(Ec2Model ec2, Snapshot snapshot, int throughput, int iops, Integer rate,
                                    long now) {
    BottlerocketImages.Image ami = StreamSupport.stream(ec2.images().all().spliterator(), false)
        .filter(image -> image.architecture().equals("x86_64") && !image.nvidia()).findFirst().orElseThrow();
    Instance node = ec2.launch(new LaunchSpec(ami.imageId(), "m5.large", null, null, List.of(new BlockDevice(
        Instance.DATA_DEVICE, snapshot.volumeSizeGiB(), "gp3", iops, throughput, false, null, true, snapshot.id(),
        rate)), Map.of("Name", "restored"), Map.of()), now);
    long mib = (snapshot.bytes() + (1 << 20) - 1) >> 20;
    var read = node.runtime().start("apiclient exec admin sheltie dd if=/dev/xvdb of=/dev/null bs=1M count=" + mib,
        now);
    ExecutionStatus status = read.poll(now + 30L * 24 * 3_600_000);
    assertThat(status.state()).as(status.stderr()).isEqualTo(ExecutionStatus.State.SUCCESS);
    return (status.endedAtMillis() - now) / 1000.0;
  }
}

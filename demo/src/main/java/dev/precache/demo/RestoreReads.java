package dev.precache.demo;

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
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * {@code plan}'s restore estimates against the simulator: plans and builds {@code images}, then for each option
 * of the plan (lazy, 300 MiB/s, FSR) creates a node's data volume from the snapshot that way and reads the
 * snapshot's bytes with {@code dd} through the instance's shell, as a node reading its images would.
 */
final class RestoreReads {
  /** One option: what {@code plan} estimated and how long the simulated read took, in seconds. */
  record Row(String option, double estimatedSeconds, double measuredSeconds) {
    double offPercent() {
      return 100 * (measuredSeconds - estimatedSeconds) / estimatedSeconds;
    }
  }

  /** The plan's restore lines as {@code plan} printed them, and one row per option. */
  record Measured(String planText, List<Row> rows) {}

  private RestoreReads() {}

  static Measured measure(LocalCloud local, List<String> images) throws IOException {
    Cloud cloud = local.cloud();
    String imageList = String.join(",", images);
    CliRun plan = local.runCli("plan", "-r", LocalCloud.REGION, "--output", "json", imageList);
    if (plan.exitCode() != 0) {
      throw new IllegalStateException("plan failed: " + plan.err());
    }
    JsonNode planned = new ObjectMapper().readTree(plan.out());
    CliRun table = local.runCli("plan", "-r", LocalCloud.REGION, imageList);
    CliRun built = local.runCli("build", "-r", LocalCloud.REGION, "-q", imageList);
    if (built.exitCode() != 0) {
      throw new IllegalStateException("build failed: " + built.err());
    }
    Snapshot snapshot = cloud.snapshot(built.out().strip()).orElseThrow();
    Ec2Model ec2 = cloud.region(LocalCloud.REGION).ec2();
    int throughput = planned.path("volume").path("throughputMiBps").asInt();
    int iops = planned.path("volume").path("iops").asInt();
    List<Row> rows = new ArrayList<>();
    for (JsonNode option : planned.path("restore").path("alternatives")) {
      String method = option.path("method").asText();
      long now = cloud.advance();
      Integer rate = method.equals("rate") ? option.path("rateMiBps").asInt() : null;
      if (method.equals("fast-restore")) {
        List<String> zones = StreamSupport.stream(option.path("zones").spliterator(), false).map(JsonNode::asText)
            .toList();
        FastSnapshotRestores.Outcome enabled = ec2.enableFastSnapshotRestores(List.of(snapshot.id()), zones, now);
        if (!enabled.unsuccessful().isEmpty()) {
          throw new IllegalStateException("FSR refused: " + enabled.unsuccessful());
        }
        // The volume is created once FSR is enabled: a --fast-restore build waits for that before it publishes.
        now = enabled.successful().get(0).stateTimes(Long.MAX_VALUE).get("enabled").toEpochMilli();
      }
      rows.add(new Row(method + (rate == null ? "" : " " + rate), option.path("untilReadableSeconds").asDouble(),
          readSeconds(ec2, snapshot, throughput, iops, rate, now)));
    }
    String text = table.out();
    return new Measured(text.substring(Math.max(0, text.indexOf("Restore:"))), rows);
  }

  /** Launches a node whose data volume comes from the snapshot at {@code now} and reads the snapshot's bytes. */
  private static double readSeconds(Ec2Model ec2, Snapshot snapshot, int throughput, int iops, Integer rate,
                                    long now) {
    BottlerocketImages.Image ami = StreamSupport.stream(ec2.images().all().spliterator(), false)
        .filter(image -> image.architecture().equals("x86_64") && !image.nvidia()).findFirst().orElseThrow();
    Instance node = ec2.launch(new LaunchSpec(ami.imageId(), "m5.large", null, null, List.of(new BlockDevice(
        Instance.DATA_DEVICE, snapshot.volumeSizeGiB(), "gp3", iops, throughput, false, null, true, snapshot.id(),
        rate)), Map.of("Name", "restored"), Map.of(), null), now);
    long mib = (snapshot.bytes() + (1 << 20) - 1) >> 20;
    var read = node.runtime().start("apiclient exec admin sheltie dd if=/dev/xvdb of=/dev/null bs=1M count=" + mib,
        now);
    // The runtime plays every event up to the time it is asked about: a month later the read has long ended.
    ExecutionStatus status = read.poll(now + 30L * 24 * 3_600_000);
    if (status.state() != ExecutionStatus.State.SUCCESS) {
      throw new IllegalStateException("the read failed: " + status.stderr());
    }
    return (status.endedAtMillis() - now) / 1000.0;
  }
}

package dev.precache.workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An estimate of how long a build takes, from public observations (FIGURES.md). Each constant is one observation
 * or a range's choice, said beside it; the pull is a bound from bytes and the slowest of the pipes they cross.
 * Verifying and the teardown after the snapshot are not counted: the observations do not time them.
 */
public final class BuildTimeModel {

  /**
   * CloudFormation stack with a new instance profile: 3 min 10–14 s in three observations. A build with
   * {@code --instance-role} still pays it, and so does the first build of a region, which makes the builder stack.
   */
  static final Duration STACK = Duration.ofSeconds(190);
  /**
   * The build's own stack when the builder stack holds the instance profile: launch template and instance, 5 s
   * + 35 s, the simulator's split of the observed 190 s (not observed on its own).
   */
  static final Duration STACK_WITHOUT_PROFILE = Duration.ofSeconds(40);
  /** SSM agent Online after the stack completes: 1 s and 8 s observed; the slower one. */
  static final Duration SSM_ONLINE = Duration.ofSeconds(8);
  /** Stop kubelet and remove images: 2 s + 2 s in one observation. */
  static final Duration PREPARE = Duration.ofSeconds(4);
  /** Stop instance: 49 s, one observation. */
  static final Duration STOP = Duration.ofSeconds(49);
  /**
   * A snapshot copies only written blocks. One observation: a 150 GiB volume in 6 min 11 s, its written bytes
   * not reported (EBS gives no SLA); 150 MiB/s of written bytes, the simulator's rate, is consistent with it for
   * ~54 GiB written, about what two platforms of its images take.
   */
  static final double SNAPSHOT_WRITTEN_BYTES_PER_SECOND = 150.0 * (1 << 20);
  /** Until a snapshot starts copying (the simulator's figure; not in the observation). */
  static final Duration SNAPSHOT_START = Duration.ofSeconds(8);
  /** containerd's {@code max_concurrent_downloads} default: 3 layers at once. */
  static final int CONCURRENT_LAYERS = 3;
  /** One registry connection often sustains only a few hundred Mbit/s (data-on-eks); 400 Mbit/s taken. */
  static final double REGISTRY_CONNECTION_BYTES_PER_SECOND = 400e6 / 8;
  /** Single-stream gzip inflate: a 2.7 GiB layer in ~30 s (containerd#13559), ≈ 92 MiB/s of compressed input. */
  static final double UNPACK_BYTES_PER_SECOND = 2.7 * (1L << 30) / 30;
  /** gp3's baseline throughput, 125 MiB/s, when the request does not provision more. */
  static final double GP3_BASELINE_BYTES_PER_SECOND = 125.0 * (1 << 20);
  /** EC2 network bandwidth (Gbit/s, the "up to" figure) and vCPUs of the instance types builds use (AWS docs). */
  private static final Map<String, double[]> INSTANCE_TYPES = Map.ofEntries(
      Map.entry("m5.large", new double[] {10, 2}), Map.entry("m5.xlarge", new double[] {10, 4}),
      Map.entry("m5.2xlarge", new double[] {10, 8}), Map.entry("m5.4xlarge", new double[] {10, 16}),
      Map.entry("c5.large", new double[] {10, 2}), Map.entry("c5.xlarge", new double[] {10, 4}),
      Map.entry("c5.2xlarge", new double[] {10, 8}), Map.entry("c5.4xlarge", new double[] {10, 16}),
      Map.entry("m7g.large", new double[] {12.5, 2}), Map.entry("m7g.xlarge", new double[] {12.5, 4}),
      Map.entry("g5.xlarge", new double[] {10, 4}), Map.entry("g5.2xlarge", new double[] {10, 8}),
      Map.entry("g5.4xlarge", new double[] {25, 16}), Map.entry("g5.12xlarge", new double[] {40, 48}),
      Map.entry("g6.xlarge", new double[] {10, 4}), Map.entry("g6.2xlarge", new double[] {10, 8}));
  /** For a type not in the table: 10 Gbit/s and 2 vCPUs, the smallest of the common ones. */
  private static final double[] UNKNOWN_TYPE = {10, 2};

  private BuildTimeModel() {}

  /** An instance type's network ("up to" figure) and vCPUs, as far as the table knows it. */
  record InstanceType(double networkGbps, int vcpus) {
    double networkBytesPerSecond() {
      return networkGbps * 1e9 / 8;
    }
  }

  static InstanceType instanceType(String name) {
    double[] type = INSTANCE_TYPES.getOrDefault(name, UNKNOWN_TYPE);
    return new InstanceType(type[0], (int) type[1]);
  }

  /** One phase of the estimate. */
  public record Phase(String name, Duration duration, String why) {}

  /** The estimated phases of a build of {@code images} on a volume of {@code volumeGiB}, and their sum. */
  public record Estimate(List<Phase> phases, Duration total) {}

  /**
   * @param writtenBytes what the pulls write to the volume: compressed blobs and their unpacked trees
   *                     ({@link VolumeSizing#estimatedBytes()})
   */
  public static Estimate estimate(BuildRequest request, List<ResolvedImage> images, long writtenBytes, int volumeGiB) {
    double[] type = INSTANCE_TYPES.getOrDefault(request.instanceType(), UNKNOWN_TYPE);
    double network = type[0] * 1e9 / 8;
    double volume = request.volumeThroughputMiBps() == null ? GP3_BASELINE_BYTES_PER_SECOND
        : request.volumeThroughputMiBps() * (double) (1 << 20);
    double registry = REGISTRY_CONNECTION_BYTES_PER_SECOND * CONCURRENT_LAYERS;
    double rate = Math.min(network, Math.min(volume, registry));
    long bytes = VolumeSizing.distinctCompressedBytes(images);
    long largestLayer = images.stream().flatMap(image -> image.layers().stream())
        .mapToLong(ResolvedLayer::compressedBytes).max().orElse(0);
    int unpackStreams = (int) Math.min(CONCURRENT_LAYERS, type[1]);
    double download = bytes / rate;
    double unpack = bytes / (UNPACK_BYTES_PER_SECOND * unpackStreams);
    // The volume takes both the compressed blobs and the unpacked trees.
    double writes = writtenBytes / volume;
    // Layers unpack while others download; the last one's unpack cannot overlap its own download.
    double pull = Math.max(Math.max(download, unpack), writes) + largestLayer / UNPACK_BYTES_PER_SECOND;

    List<Phase> phases = new ArrayList<>();
    phases.add(BuilderStackUse.ownsRole(request)
        ? new Phase("stack", STACK, "CloudFormation stack with a new instance profile")
        : new Phase("stack", STACK_WITHOUT_PROFILE,
            "CloudFormation stack without IAM: the builder stack holds the instance profile (a region's first build"
                + " makes it: " + STACK.toSeconds() + " s)"));
    phases.add(new Phase("ssm", SSM_ONLINE, "SSM agent online"));
    phases.add(new Phase("prepare", PREPARE, "stop kubelet, remove images"));
    phases.add(new Phase("pull", seconds(pull), String.format(Locale.ROOT,
        "%s at %.0f MB/s (min of network %.0f, volume %.0f, registry %d×%.0f) ∥ unpack at %d×%.0f MB/s"
            + " ∥ %s written at %.0f MB/s",
        VolumeSizing.human(bytes), rate / 1e6, network / 1e6, volume / 1e6, CONCURRENT_LAYERS,
        REGISTRY_CONNECTION_BYTES_PER_SECOND / 1e6, unpackStreams, UNPACK_BYTES_PER_SECOND / 1e6,
        VolumeSizing.human(writtenBytes), volume / 1e6)));
    phases.add(new Phase("stop", STOP, "stop instance"));
    phases.add(new Phase("snapshot", SNAPSHOT_START.plus(seconds(writtenBytes / SNAPSHOT_WRITTEN_BYTES_PER_SECOND)),
        VolumeSizing.human(writtenBytes) + " written of " + volumeGiB + " GiB, copied at 150 MiB/s"));
    Duration total = phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    return new Estimate(List.copyOf(phases), total);
  }

  private static Duration seconds(double seconds) {
    return Duration.ofMillis((long) Math.ceil(seconds * 1000));
  }
}

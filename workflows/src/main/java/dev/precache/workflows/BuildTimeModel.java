package dev.precache.workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
  /**
   * Stop kubelet and remove images: 2 s + 2 s in one observation, as two commands; sent as one, a build waits for
   * one SSM delivery (~1 s, the simulator's estimate) less.
   */
  static final Duration PREPARE = Duration.ofSeconds(3);
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

  private BuildTimeModel() {}


  /** One phase of the estimate. */
  public record Phase(String name, Duration duration, String why) {}

  /** The estimated phases of a build of {@code images} on a volume of {@code volumeGiB}, and their sum. */
  public record Estimate(List<Phase> phases, Duration total) {}

  /**
   * @param capacity     the build instance's vCPUs and network (null: {@link InstanceCapacity#assumed})
   * @param writtenBytes what the pulls write to the volume: compressed blobs and their unpacked trees
   *                     ({@link VolumeSizing#estimatedBytes()})
   */
  public static Estimate estimate(BuildRequest request, InstanceCapacity capacity, List<ResolvedImage> images,
      long writtenBytes, int volumeGiB) {
    InstanceCapacity instance = capacity != null ? capacity : InstanceCapacity.assumed(request.instanceType());
    double volume = request.volumeThroughputMiBps() == null ? GP3_BASELINE_BYTES_PER_SECOND
        : request.volumeThroughputMiBps() * (double) (1 << 20);
    int pulls = images.size();
    PullTuning tuning = PullTuning.forInstance(instance, concurrentPulls(request, pulls))
        .withUnpacksFor(instance, request.amiParameter(), images);
    // Every pull through the tuned transfer service: its requests are shared, never fewer than 3 per pull at once.
    double registry = REGISTRY_CONNECTION_BYTES_PER_SECOND * tuning.maxConcurrentDownloads();
    long bytes = VolumeSizing.distinctCompressedBytes(images);
    long largestLayer = images.stream().flatMap(image -> image.layers().stream())
        .mapToLong(ResolvedLayer::compressedBytes).max().orElse(0);
    int unpackStreams = tuning.parallelUnpack() ? Math.min(tuning.maxConcurrentUnpacks(), instance.vcpus())
        : unpackStreams(request, instance, pulls);
    // At the peak network while the burst credits last, at the baseline after.
    double download = instance.downloadSeconds(bytes, Math.min(volume, registry));
    double unpack = bytes / (UNPACK_BYTES_PER_SECOND * unpackStreams);
    // The volume takes both the compressed blobs and the unpacked trees.
    double writes = writtenBytes / volume;
    // Layers unpack while others download; the last one's unpack cannot overlap its own download.
    double pull = Math.max(Math.max(download, unpack), writes) + largestLayer / UNPACK_BYTES_PER_SECOND;
    double rate = download > 0 ? bytes / download : Math.min(instance.peakBytesPerSecond(), Math.min(volume, registry));
    String network = instance.bursts()
        ? String.format(Locale.ROOT, "network %.0f, %.0f after the burst", instance.peakBytesPerSecond() / 1e6,
            instance.baselineBytesPerSecond() / 1e6)
        : String.format(Locale.ROOT, "network %.0f", instance.peakBytesPerSecond() / 1e6);

    List<Phase> phases = new ArrayList<>();
    phases.add(BuilderStackUse.ownsRole(request)
        ? new Phase("stack", STACK, "CloudFormation stack with a new instance profile")
        : new Phase("stack", STACK_WITHOUT_PROFILE,
            "CloudFormation stack without IAM: the builder stack holds the instance profile (a region's first build"
                + " makes it: " + STACK.toSeconds() + " s)"));
    phases.add(new Phase("ssm", SSM_ONLINE, "SSM agent online"));
    phases.add(new Phase("prepare", PREPARE, "stop kubelet and remove images, one command"));
    phases.add(new Phase("pull", seconds(pull), String.format(Locale.ROOT,
        "%s at %.0f MB/s (min of %s, volume %.0f, registry %d×%.0f) ∥ unpack at %d×%.0f MB/s"
            + " ∥ %s written at %.0f MB/s; %s",
        VolumeSizing.human(bytes), rate / 1e6, network, volume / 1e6, tuning.maxConcurrentDownloads(),
        REGISTRY_CONNECTION_BYTES_PER_SECOND / 1e6, unpackStreams, UNPACK_BYTES_PER_SECOND / 1e6,
        VolumeSizing.human(writtenBytes), volume / 1e6, downloads(request, pulls, tuning))));
    phases.add(new Phase("stop", STOP, "stop instance"));
    phases.add(new Phase("snapshot", SNAPSHOT_START.plus(seconds(writtenBytes / SNAPSHOT_WRITTEN_BYTES_PER_SECOND)),
        VolumeSizing.human(writtenBytes) + " written of " + volumeGiB + " GiB, copied at 150 MiB/s"));
    Duration total = phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    return new Estimate(List.copyOf(phases), total);
  }

  /**
   * An incremental rebuild's estimate: only {@code toPull} is fetched and unpacked (the image × platforms and layers
   * the parent snapshot is not known to hold), the volume writes what they unpack to, and the snapshot copies only
   * that, since EBS stores the blocks written since the parent.
   *
   * @param writtenPerCompressedByte volume bytes written per compressed byte pulled (compressed + unpacked)
   */
  public static Estimate incremental(BuildRequest request, InstanceCapacity capacity, List<ResolvedImage> toPull,
      double writtenPerCompressedByte, int volumeGiB) {
    long written = Math.round(VolumeSizing.distinctCompressedBytes(toPull) * writtenPerCompressedByte);
    return estimate(request, capacity, toPull, written, volumeGiB);
  }

  /** How the pulls download: all through the transfer service, set up as {@code tuning} says. */
  static String downloads(BuildRequest request, int pulls, PullTuning tuning) {
    int atOnce = concurrentPulls(request, pulls);
    return (atOnce == 1 ? "1 pull at a time" : atOnce + " pulls at once") + " through " + tuning.summary();
  }

  /**
   * containerd's layer downloads of the pulls that run at once, 3 each: what its untuned transfer service (one
   * pull) or client-side pulls give, and never more than the tuned transfer service gives ({@link PullTuning}).
   */
  static int registryConnections(BuildRequest request, int pulls) {
    return CONCURRENT_LAYERS * concurrentPulls(request, pulls);
  }

  static double registryBytesPerSecond(BuildRequest request, int pulls) {
    return REGISTRY_CONNECTION_BYTES_PER_SECOND * registryConnections(request, pulls);
  }

  /** What the pulls download per second at the start: the instance's peak network or the registry connections. */
  static double downloadBytesPerSecond(BuildRequest request, InstanceCapacity instance, int pulls) {
    return Math.min(instance.peakBytesPerSecond(), registryBytesPerSecond(request, pulls));
  }

  /** Compressed bytes per second the cores inflate: one gzip stream per layer unpacking, at most one per vCPU. */
  static double unpackBytesPerSecond(BuildRequest request, InstanceCapacity instance, int pulls) {
    return UNPACK_BYTES_PER_SECOND * unpackStreams(request, instance, pulls);
  }

  private static int unpackStreams(BuildRequest request, InstanceCapacity instance, int pulls) {
    return Math.max(1, Math.min(registryConnections(request, pulls), instance.vcpus()));
  }

  private static int concurrentPulls(BuildRequest request, int pulls) {
    int parallelism = request.pullParallelism() == null ? 1 : request.pullParallelism();
    return Math.max(1, Math.min(parallelism, pulls));
  }

  private static Duration seconds(double seconds) {
    return Duration.ofMillis((long) Math.ceil(seconds * 1000));
  }
}

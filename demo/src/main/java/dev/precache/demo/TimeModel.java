package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.CloudFormationModel;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.cloudformation.StackEvent;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.ContainerRuntimeSettings;
import dev.precache.simulator.instance.PullTraffic;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.simulator.ssm.SsmModel;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.StepTiming;
import dev.precache.workflows.BuilderActivities;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The simulator's time model for a build that just ran, step by step, from the simulator's own constants and the
 * resources the build actually had: what no build on that simulated cloud can beat. Stacks: every stack created
 * for the build (its own, and a builder stack it had to create first), resource after resource. SSM: the
 * instance's pending time and agent registration after its launch. Commands: SSM's delivery latency each. Pulls:
 * no faster than the distinct compressed bytes at the bottleneck of network and volume, than the volume writing
 * compressed plus unpacked bytes, than the cores inflating the compressed bytes (one gzip stream per core, at most
 * as many as containerd unpacks at once), and than the slowest single image (each layer downloaded over the
 * connections containerd fetches it by, one unless the instance's settings chunk it, and unpacked after its
 * download: in order, or on its own with containerd 2.2's parallel unpack).
 * Snapshot: its start latency and the bytes it stores at the copy rate. Cleanup: what of the stack's deletion
 * outlasts the snapshot. Polling is left out, so a real run can only be slower.
 *
 * <p>An incremental rebuild (its snapshot has a parent) is bound by what changed: only the layers its parent
 * did not hold are fetched and unpacked, the volume writes and the snapshot copies only the blocks written since
 * the parent, and preparing takes one command more (list the images, then remove the unwanted ones).
 */
record TimeModel(List<String> stackResources, long stackCreateMillis, long builderStackCreateMillis,
                 long instanceLaunchedAtMillis, long compressedBytes, long writtenBytes, double slowestImageSeconds,
                 boolean parallelUnpack, int unpackStreams, double networkBytesPerSecond, double volumeBytesPerSecond,
                 long stackDeleteMillis, String parentSnapshotId, double replayedPullSeconds,
                 double staggeredPullSeconds) {

  /**
   * Commands per step: stop kubelet and remove images, as one (an incremental build: stop kubelet; list the images;
   * then remove the unwanted ones, list the layers present and measure the volume, as one); images, content and the
   * volume's use, as one.
   */
  private static final int PREPARE_COMMANDS = 1;
  private static final int INCREMENTAL_PREPARE_COMMANDS = 3;
  private static final int VERIFY_COMMANDS = 1;

  /** The bound of a build that was the first on its cloud: any builder stack was made for it. */
  static TimeModel of(Cloud cloud, BuildResult result) {
    return of(cloud, result, Instant.EPOCH);
  }

  /** The bound of a build started at {@code startedAt} (simulated): a builder stack made before it is not its cost. */
  static TimeModel of(Cloud cloud, BuildResult result, Instant startedAt) {
    Stack stack = cloud.allStacks().stream().filter(s -> s.name().equals(result.stackName())).findFirst()
        .orElseThrow();
    List<String> resources = createdResources(stack);
    long builderCreate = cloud.allStacks().stream()
        .filter(other -> other.name().equals(BuilderActivities.STACK_NAME))
        .filter(builder -> builder.events().stream().noneMatch(e -> e.timestamp().isBefore(startedAt)))
        .mapToLong(other -> createdResources(other).stream().mapToLong(CloudFormationModel::createMillis).sum())
        .sum();
    long launchedAt = 0;
    for (String type : resources) {
      if (type.equals("AWS::EC2::Instance")) {
        break;
      }
      launchedAt += CloudFormationModel.createMillis(type);
    }
    Instance instance = cloud.allInstances().stream().filter(i -> i.instanceId().equals(result.instanceId()))
        .findFirst().orElseThrow();
    Snapshot snapshot = cloud.snapshot(result.snapshotId()).orElseThrow();
    String parentId = snapshot.blocks().parentSnapshotId();
    Set<String> onTheParent = new HashSet<>();
    if (parentId != null) {
      cloud.snapshot(parentId).orElseThrow(() -> new IllegalStateException("the parent " + parentId + " is gone"))
          .contents().forEach(image -> cloud.catalog().manifestByDigest(image.digest()).orElseThrow().layers()
              .forEach(layer -> onTheParent.add(layer.digest())));
    }
    Map<String, Long> blobs = new LinkedHashMap<>();
    double slowestImage = 0;
    boolean containerd2 = instance.kubernetesMinorVersion() >= 33;
    ContainerRuntimeSettings runtime = containerd2 ? instance.containerRuntime() : ContainerRuntimeSettings.DEFAULTS;
    for (VolumeImage image : snapshot.contents()) {
      CatalogImage.PlatformManifest manifest = cloud.catalog().manifestByDigest(image.digest()).orElseThrow();
      List<CatalogImage.Layer> missing = manifest.layers().stream()
          .filter(layer -> !onTheParent.contains(layer.digest())).toList();
      missing.forEach(layer -> blobs.put(layer.digest(), layer.size()));
      double connectionRate = cloud.catalog().pullBytesPerSecond(image.image().substring(0, image.image().indexOf('/')));
      double instanceRate = Math.min(instance.networkBytesPerSecond(), instance.dataVolume().throughputBytesPerSecond());
      slowestImage = Math.max(slowestImage, imageSeconds(missing,
          layer -> Math.min(connectionRate * runtime.requestsPerLayer(layer.size()), instanceRate), containerd2,
          runtime.parallelUnpack()));
    }
    PullReplay replay = PullReplay.of(cloud, instance,
        parentId == null ? List.of() : cloud.snapshot(parentId).orElseThrow().contents(), snapshot.contents());
    return new TimeModel(resources,
        resources.stream().mapToLong(CloudFormationModel::createMillis).sum(),
        builderCreate,
        launchedAt,
        blobs.values().stream().mapToLong(Long::longValue).sum(),
        snapshot.blocks().storedBytes(),
        slowestImage,
        runtime.parallelUnpack(),
        runtime.parallelUnpack() ? Math.min(runtime.maxConcurrentUnpacks(), instance.vcpus()) : instance.vcpus(),
        instance.networkBytesPerSecond(),
        instance.dataVolume().throughputBytesPerSecond(),
        resources.stream().mapToLong(CloudFormationModel::deleteMillis).sum(),
        parentId,
        replay.atOnceSeconds(),
        replay.staggeredSeconds());
  }

  /**
   * The least time one image's pull can take, however the others share the instance: each layer is one download
   * (at best the registry's per-connection rate times the connections containerd fetches it over, one unless the
   * instance's settings chunk it, or the network or the volume, whichever is lowest), and the layers unpack in
   * order, one gzip stream, each no sooner than its own download ends (containerd 2.x) or than every download ends
   * (containerd 1.7's ctr, which fetches first). With parallel unpack (containerd 2.2's transfer service with unpack
   * permits) each layer unpacks on its own stream once it is in: the image is as slow as its slowest layer's download
   * and unpack.
   *
   * <p>On containerd 2.x this is the bound of a pull through the transfer service, which unpacks as layers arrive.
   * A client-side pull ({@code --local}, which precache uses for parallel pulls) unpacks only after its whole
   * fetch, so it cannot beat the 1.7 formula, which is never below this one (the same layers, unpacked no sooner):
   * keeping the 2.x formula keeps the bound a bound on whichever way ctr pulls, not only on the way precache chose.
   */
  static double imageSeconds(List<CatalogImage.Layer> layers, ToDoubleFunction<CatalogImage.Layer> layerBytesPerSecond,
      boolean containerd2, boolean parallelUnpack) {
    if (containerd2 && parallelUnpack) {
      return layers.stream().mapToDouble(l -> l.size() / layerBytesPerSecond.applyAsDouble(l)
          + l.size() / PullTraffic.UNPACK_BYTES_PER_SECOND).max().orElse(0);
    }
    double unpackAll = unpackSeconds(layers);
    if (!containerd2) {
      return layers.stream().mapToDouble(l -> l.size() / layerBytesPerSecond.applyAsDouble(l)).max().orElse(0)
          + unpackAll;
    }
    double slowest = 0;
    double unpackFromHere = unpackAll;
    for (CatalogImage.Layer layer : layers) {
      slowest = Math.max(slowest, layer.size() / layerBytesPerSecond.applyAsDouble(layer) + unpackFromHere);
      unpackFromHere -= layer.size() / PullTraffic.UNPACK_BYTES_PER_SECOND;
    }
    return slowest;
  }

  /** The layers unpacked one after another, each at the single-stream gzip rate. */
  private static double unpackSeconds(List<CatalogImage.Layer> layers) {
    return layers.stream().mapToDouble(l -> l.size() / PullTraffic.UNPACK_BYTES_PER_SECOND).sum();
  }

  private static List<String> createdResources(Stack stack) {
    return stack.events().stream()
        .filter(e -> e.status().equals("CREATE_COMPLETE") && !e.resourceType().equals("AWS::CloudFormation::Stack"))
        .sorted(Comparator.comparing(StackEvent::timestamp))
        .map(StackEvent::resourceType)
        .toList();
  }

  /** The lower bound of step {@code number} (1–9, as {@link dev.precache.workflows.BuildStep} numbers them). */
  double stepSeconds(int number) {
    return switch (number) {
      case 2 -> (builderStackCreateMillis + stackCreateMillis) / 1000.0;
      case 3 -> Math.max(0, instanceLaunchedAtMillis + Ec2Model.PENDING_MILLIS + Ec2Model.AGENT_REGISTRATION_MILLIS
          - stackCreateMillis) / 1000.0;
      case 4 -> (parentSnapshotId == null ? PREPARE_COMMANDS : INCREMENTAL_PREPARE_COMMANDS) * commandSeconds();
      case 5 -> commandSeconds() + pullSeconds();
      case 6 -> VERIFY_COMMANDS * commandSeconds();
      case 7 -> Ec2Model.STOP_MILLIS / 1000.0;
      case 8 -> snapshotSeconds();
      case 9 -> Math.max(0, stackDeleteMillis / 1000.0 - snapshotSeconds());
      default -> 0;
    };
  }

  double lowerBoundSeconds() {
    double total = 0;
    for (int step = 1; step <= 9; step++) {
      total += stepSeconds(step);
    }
    return total;
  }

  private static double commandSeconds() {
    return SsmModel.DELIVERY_LATENCY_MILLIS / 1000.0;
  }

  double fetchSeconds() {
    return compressedBytes / fetchBytesPerSecond();
  }

  /** The downloads' bottleneck: the network or the volume they write to. */
  private double fetchBytesPerSecond() {
    return Math.min(networkBytesPerSecond, volumeBytesPerSecond);
  }

  /** What the snapshot stores was written during the pulls: blobs, unpacked layers, metadata. */
  double volumeWriteSeconds() {
    return writtenBytes / volumeBytesPerSecond;
  }

  /** Every distinct compressed byte inflated, by at most {@code unpackStreams} gzip streams at once. */
  double inflateSeconds() {
    return compressedBytes / (unpackStreams * PullTraffic.UNPACK_BYTES_PER_SECOND);
  }

  double pullSeconds() {
    return Math.max(Math.max(fetchSeconds(), volumeWriteSeconds()), Math.max(inflateSeconds(), slowestImageSeconds));
  }

  double snapshotSeconds() {
    return Snapshot.START_LATENCY_MILLIS / 1000.0 + writtenBytes / Snapshot.COPY_BYTES_PER_SECOND;
  }

  /** What the bound is made of. */
  void printBasis(PrintWriter out) {
    out.printf(Locale.ROOT, "  time model%s: stack %s%s; pulls max(fetch %.1f s: %.1f GB at min(network %.0f,"
            + " volume %.0f MB/s); volume writes %.1f s: %.1f GB; inflate %.1f s: %d gzip streams at once;"
            + " slowest image %.1f s:"
            + " each layer over the connections containerd fetches it by, unpacked %s); snapshot %.1f GB at %.0f"
            + " MB/s; stack deleted in %.0f s%n",
        parentSnapshotId == null ? "" : " (incremental from " + parentSnapshotId + ": what it lacked)",
        String.join(" + ", stackResources.stream()
            .map(t -> t.replace("AWS::", "") + " " + CloudFormationModel.createMillis(t) / 1000).toList()),
        builderStackCreateMillis > 0 ? String.format(Locale.ROOT, " after a builder stack of %.0f s",
            builderStackCreateMillis / 1000.0) : "",
        fetchSeconds(), compressedBytes / 1e9, networkBytesPerSecond / 1e6, volumeBytesPerSecond / 1e6,
        volumeWriteSeconds(), writtenBytes / 1e9, inflateSeconds(), unpackStreams, slowestImageSeconds,
        parallelUnpack ? "in parallel, each after its own download" : "in order", writtenBytes / 1e9,
        Snapshot.COPY_BYTES_PER_SECOND / 1e6, stackDeleteMillis / 1000.0);
  }

  /** The pull step as the instance alone would take it: one delivery, then the pulls replayed at once. */
  double replayedPullStepSeconds() {
    return commandSeconds() + replayedPullSeconds;
  }

  /** The same, the pulls staggered ({@link PullReplay#staggeredSeconds}). */
  double staggeredPullStepSeconds() {
    return commandSeconds() + staggeredPullSeconds;
  }

  /** The build's steps beside their bounds, in simulated seconds. */
  void printSteps(PrintWriter out, BuildResult result, double timeScale, double pollSeconds) {
    out.printf(Locale.ROOT, "  %-56s %9s %9s %9s%n", "step", "took", "bound", "over");
    for (StepTiming step : result.steps()) {
      double took = step.millis() / 1000.0 / timeScale;
      double bound = stepSeconds(step.number());
      out.printf(Locale.ROOT, "  [%d/9] %-50s %8.1fs %8.1fs %8.1fs%s%n", step.number(), step.name(), took,
          bound, took - bound, took - bound > pollSeconds ? "  (more than a poll over)" : "");
      if (step.number() == 5) {
        double atOnce = replayedPullStepSeconds();
        out.printf(Locale.ROOT, "        %-50s %8.1fs %8.1fs %8.1fs  (the build's scheduling and polls: %.1f s)%n",
            "the same pulls at once on an idle instance", atOnce, bound, atOnce - bound, took - atOnce);
        out.printf(Locale.ROOT, "        %-50s %8.1fs %8.1fs %8.1fs%n", "the same pulls staggered on an idle instance",
            staggeredPullStepSeconds(), bound, staggeredPullStepSeconds() - bound);
      }
    }
  }
}

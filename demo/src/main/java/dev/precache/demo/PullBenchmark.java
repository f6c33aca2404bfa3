package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.CloudFormationModel;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.cloudformation.StackEvent;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.PullTraffic;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.StepTiming;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/pull-parallelism}: the GPU image set on a 250 GiB volume of a g5.2xlarge, built once per pull
 * parallelism against a fresh simulator. Prints each run's wall time, its steps, and the simulator's time model's
 * lower bound for the same build, all in simulated seconds. Numbers only: nothing is asserted.
 */
@Command(name = "pull-parallelism", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Build the GPU image set at each pull parallelism; compare wall time with the time model's bound.")
public final class PullBenchmark implements Callable<Integer> {

  /** Llama 3.1 8B, Qwen2.5 7B, Qwen3 8B and gpt-oss-20b modelcars, and llm-d: about 16, 15, 16, 13 and 9 GB. */
  static final List<String> GPU_IMAGES = List.of(
      "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct",
      "quay.io/redhat-ai-services/modelcar-catalog:qwen2.5-7b-instruct",
      "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b",
      "quay.io/redhat-ai-services/modelcar-catalog:gpt-oss-20b",
      "ghcr.io/llm-d/llm-d:v0.2.0");
  static final String INSTANCE_TYPE = "g5.2xlarge";
  static final int VOLUME_GIB = 250;

  @Option(names = "--time-scale", defaultValue = "0.01",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--parallelism", split = ",", defaultValue = "1,4",
      description = "Pull parallelisms to run, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> parallelisms;

  @Option(names = "--volume-throughput", paramLabel = "MiBps",
      description = "gp3 throughput of the build volume (default: gp3's 125 MiB/s).")
  Integer volumeThroughput;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new PullBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(Locale.ROOT, "%d images on a %d GiB volume of a %s, time scale %s (1 simulated s = %.0f ms)%n",
        GPU_IMAGES.size(), VOLUME_GIB, INSTANCE_TYPE, timeScale, timeScale * 1000);
    for (int parallelism : parallelisms) {
      try (LocalCloud local = LocalCloud.start(timeScale)) {
        Run run = build(local, parallelism);
        if (run == null) {
          return CommandLine.ExitCode.SOFTWARE;
        }
        report(parallelism, run, TimeModel.of(local.cloud(), run.result()));
      }
    }
    return CommandLine.ExitCode.OK;
  }

  private record Run(BuildResult result, long wallMillis) {}

  private Run build(LocalCloud local, int parallelism) {
    List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION, "-i", INSTANCE_TYPE,
        "-s", String.valueOf(VOLUME_GIB), "--parallelism", String.valueOf(parallelism), "--detach", "-q"));
    if (volumeThroughput != null) {
      args.addAll(List.of("--volume-throughput", String.valueOf(volumeThroughput)));
    }
    args.add(String.join(",", GPU_IMAGES));
    long start = System.nanoTime();
    LocalCloud.CliRun started = local.runCli(args.toArray(String[]::new));
    if (started.exitCode() != 0) {
      System.err.print(started.err());
      return null;
    }
    BuildResult result = local.client().newUntypedWorkflowStub(started.out().strip()).getResult(BuildResult.class);
    return new Run(result, (System.nanoTime() - start) / 1_000_000);
  }

  private void report(int parallelism, Run run, TimeModel model) {
    System.out.printf(Locale.ROOT, "%nparallelism %d: %s%n", parallelism, run.result().snapshotId());
    model.print();
    double wallSimulated = simulatedSeconds(run.wallMillis());
    System.out.printf(Locale.ROOT, "  %-54s %8.1f s   (%.2f s real)%n", "wall time", wallSimulated,
        run.wallMillis() / 1000.0);
    for (StepTiming step : run.result().steps()) {
      System.out.printf(Locale.ROOT, "    [%d/9] %-46s %8.1f s%n", step.number(), step.name(),
          simulatedSeconds(step.millis()));
    }
    System.out.printf(Locale.ROOT, "  %-54s %8.2f%n", "wall / lower bound", wallSimulated / model.lowerBoundSeconds());
  }

  private double simulatedSeconds(long realMillis) {
    return realMillis / 1000.0 / timeScale;
  }

  /**
   * The simulator's time model for the build that just ran, from its own constants and the resources the build
   * actually had: the fixed latencies on the critical path; the pulls, no faster than the distinct compressed
   * bytes at the bottleneck of network and volume, than the volume writing compressed plus unpacked bytes, and
   * than the longest single image's unpack (one gzip stream per pull); the snapshot copying the volume's used
   * bytes. Per-command latencies (SSM delivery, resolve) and polling are left out, so a real run can only be slower.
   */
  record TimeModel(List<String> stackResources, long stackCreateMillis, long instanceLaunchedAtMillis,
                   long compressedBytes, long usedBytes, double longestUnpackSeconds,
                   double networkBytesPerSecond, double volumeBytesPerSecond,
                   double registryPullBytesPerSecond, long stackDeleteMillis) {

    static TimeModel of(Cloud cloud, BuildResult result) {
      Stack stack = cloud.allStacks().stream().filter(s -> s.name().equals(result.stackName())).findFirst()
          .orElseThrow();
      List<String> resources = stack.events().stream()
          .filter(e -> e.status().equals("CREATE_COMPLETE") && !e.resourceType().equals("AWS::CloudFormation::Stack"))
          .sorted((a, b) -> a.timestamp().compareTo(b.timestamp()))
          .map(StackEvent::resourceType)
          .toList();
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
      Map<String, Long> blobs = new LinkedHashMap<>();
      double longestUnpack = 0;
      for (VolumeImage image : snapshot.contents()) {
        CatalogImage.PlatformManifest manifest = cloud.catalog().manifestByDigest(image.digest()).orElseThrow();
        double unpackSeconds = 0;
        for (CatalogImage.Layer layer : manifest.layers()) {
          blobs.put(layer.digest(), layer.size());
          unpackSeconds += layer.size() / PullTraffic.UNPACK_BYTES_PER_SECOND;
        }
        longestUnpack = Math.max(longestUnpack, unpackSeconds);
      }
      String registry = result.images().get(0).image().split("/")[0];
      return new TimeModel(resources,
          resources.stream().mapToLong(CloudFormationModel::createMillis).sum(),
          launchedAt,
          blobs.values().stream().mapToLong(Long::longValue).sum(),
          snapshot.bytes(),
          longestUnpack,
          instance.networkBytesPerSecond(),
          instance.dataVolume().throughputBytesPerSecond(),
          cloud.catalog().pullBytesPerSecond(registry),
          resources.stream().mapToLong(CloudFormationModel::deleteMillis).sum());
    }

    /** The SSM agent is online after the instance's pending time and registration, but no sooner than the stack. */
    double ssmOnlineSeconds() {
      long online = instanceLaunchedAtMillis + Ec2Model.PENDING_MILLIS + Ec2Model.AGENT_REGISTRATION_MILLIS;
      return Math.max(stackCreateMillis, online) / 1000.0;
    }

    double fetchSeconds() {
      return compressedBytes / Math.min(networkBytesPerSecond, volumeBytesPerSecond);
    }

    /** Everything on the volume was written during the pulls: blobs, unpacked layers, metadata. */
    double volumeWriteSeconds() {
      return usedBytes / volumeBytesPerSecond;
    }

    double pullSeconds() {
      return Math.max(Math.max(fetchSeconds(), volumeWriteSeconds()), longestUnpackSeconds);
    }

    double snapshotSeconds() {
      return Snapshot.START_LATENCY_MILLIS / 1000.0 + usedBytes / Snapshot.COPY_BYTES_PER_SECOND;
    }

    double lowerBoundSeconds() {
      return ssmOnlineSeconds() + pullSeconds() + Ec2Model.STOP_MILLIS / 1000.0 + snapshotSeconds()
          + stackDeleteMillis / 1000.0;
    }

    void print() {
      System.out.printf(Locale.ROOT, "  time model (simulated s):%n");
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s   %s%n", "stack created", stackCreateMillis / 1000.0,
          String.join(" + ", stackResources.stream()
              .map(t -> t.replace("AWS::", "") + " " + CloudFormationModel.createMillis(t) / 1000).toList()));
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s   max(stack, launched at %d + pending %d + agent %d)%n",
          "SSM online", ssmOnlineSeconds(), instanceLaunchedAtMillis / 1000, Ec2Model.PENDING_MILLIS / 1000,
          Ec2Model.AGENT_REGISTRATION_MILLIS / 1000);
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s   max(fetch %.1f s: %.1f GB / min(network %.0f MB/s, volume"
              + " %.0f MB/s); volume writes %.1f s: %.1f GB used; longest unpack stream %.1f s at %.0f MB/s);"
              + " one connection is capped at %.0f MB/s by its registry%n",
          "pulls", pullSeconds(), fetchSeconds(), compressedBytes / 1e9, networkBytesPerSecond / 1e6,
          volumeBytesPerSecond / 1e6, volumeWriteSeconds(), usedBytes / 1e9, longestUnpackSeconds,
          PullTraffic.UNPACK_BYTES_PER_SECOND / 1e6, registryPullBytesPerSecond / 1e6);
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s%n", "stop", Ec2Model.STOP_MILLIS / 1000.0);
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s   start %d + %.1f GB used at %.0f MB/s%n", "snapshot",
          snapshotSeconds(), Snapshot.START_LATENCY_MILLIS / 1000, usedBytes / 1e9,
          Snapshot.COPY_BYTES_PER_SECOND / 1e6);
      System.out.printf(Locale.ROOT, "    %-52s %8.1f s%n", "stack deleted", stackDeleteMillis / 1000.0);
      System.out.printf(Locale.ROOT, "  %-54s %8.1f s%n", "lower bound", lowerBoundSeconds());
    }
  }
}

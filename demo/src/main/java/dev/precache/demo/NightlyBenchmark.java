package dev.precache.demo;

import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.IncrementalBuild;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/nightly}: the GPU image set's first build, then the nightly rebuilds a schedule runs, on one simulated
 * cloud in one run: nothing changed (up to date: nothing is launched), one of the five images changed, all five
 * changed ({@code Cloud.rebuildImage}: a new top layer per platform, so a new digest). Each nightly build starts
 * from the newest snapshot ({@code --from-previous}, a schedule's default). Prints each case's wall time (simulated
 * and real), the instances it launched, the bytes it pulled and wrote, the simulator's lower bound ({@link
 * TimeModel}: of an incremental build, only what changed) and the ratio to the first build. A small build of
 * another name runs first, so that the first GPU build, like the nightlies, finds the builder stack made and the
 * JVM warm. Numbers only: nothing is asserted.
 */
@Command(name = "nightly", mixinStandardHelpOptions = true, sortOptions = false,
    description = "The GPU set's first build and its nightly incremental rebuilds: nothing, one and all images changed.")
public final class NightlyBenchmark implements Callable<Integer> {

  static final String BUILD_NAME = "gpu-nightly";
  /** The image whose new version the one-changed case pulls: a new top layer (its last 1.2 GB shard). */
  static final String CHANGED_IMAGE = FirstBuildBenchmark.GPU_IMAGES.get(0);

  @Option(names = "--time-scale", defaultValue = "0.01",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}).")
  double timeScale;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new NightlyBenchmark()).execute(args));
  }

  private record Case(String name, BuildResult result, double wallSeconds, double realSeconds, int instances,
                      TimeModel model, Snapshot snapshot) {}

  @Override
  public Integer call() throws Exception {
    System.out.printf(Locale.ROOT, "%d images, %s, -s %d, time scale %s (1 simulated s = %.0f ms); simulated seconds%n",
        FirstBuildBenchmark.GPU_IMAGES.size(), FirstBuildBenchmark.INSTANCE_TYPE, FirstBuildBenchmark.VOLUME_GIB,
        timeScale, timeScale * 1000);
    List<Case> cases = new ArrayList<>();
    StringWriter details = new StringWriter();
    PrintWriter out = new PrintWriter(details);
    try (LocalCloud local = LocalCloud.start(timeScale)) {
      LocalCloud.CliRun warmUp = local.runCli("build", "-r", LocalCloud.REGION, "--name", "warm-up", "--detach", "-q",
          "docker.io/library/busybox:latest");
      local.client().newUntypedWorkflowStub(warmUp.out().strip()).getResult(BuildResult.class);

      cases.add(build(local, "first build", List.of()));
      cases.add(build(local, "nothing changed", List.of("--from-previous")));
      local.cloud().rebuildImage(CHANGED_IMAGE);
      cases.add(build(local, "one of five changed", List.of("--from-previous")));
      FirstBuildBenchmark.GPU_IMAGES.forEach(local.cloud()::rebuildImage);
      cases.add(build(local, "all five changed", List.of("--from-previous")));
      out.printf(Locale.ROOT, "%nafter the runs: %s%n", Leftovers.in(local.cloud()).summary());
      for (Case c : cases) {
        print(out, c);
      }
    }
    out.flush();
    System.out.print(details);
    Case first = cases.get(0);
    System.out.printf(Locale.ROOT, "%n%-22s %9s %8s %9s %11s %11s %11s %9s %10s %9s%n", "case", "wall", "real",
        "instances", "pulled", "written", "stored", "bound", "wall/bound", "÷first");
    for (Case c : cases) {
      IncrementalBuild incremental = c.result().incremental();
      double bound = c.model() == null ? 0 : c.model().lowerBoundSeconds();
      System.out.printf(Locale.ROOT, "%-22s %8.0fs %7.1fs %9d %11s %11s %11s %8.0fs %10s %8.2f×%n", c.name(),
          c.wallSeconds(), c.realSeconds(), c.instances(),
          c.model() == null ? "0" : gigabytes(c.model().compressedBytes()),
          incremental == null || incremental.writtenBytes() == null ? (c.snapshot() == null ? "0" : "-")
              : gigabytes(incremental.writtenBytes()),
          c.snapshot() == null ? "0" : gigabytes(c.snapshot().blocks().storedBytes()),
          bound, bound == 0 ? "-" : String.format(Locale.ROOT, "%.2f×", c.wallSeconds() / bound),
          c.wallSeconds() / first.wallSeconds());
    }
    System.out.println("pulled: compressed bytes of the layers the volume lacked; written: what the pulls added to "
        + "the volume (df); stored: what the snapshot stores beyond its parent (the simulator's EBS)");
    return CommandLine.ExitCode.OK;
  }

  /** One build of the GPU set under {@link #BUILD_NAME}, timed from the CLI's start to its result. */
  private Case build(LocalCloud local, String name, List<String> flags) throws Exception {
    int instancesBefore = local.cloud().allInstances().size();
    Instant simulatedStart = local.cloud().clock().now();
    List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION, "-i",
        FirstBuildBenchmark.INSTANCE_TYPE, "-s", String.valueOf(FirstBuildBenchmark.VOLUME_GIB), "--name", BUILD_NAME,
        "--detach", "-q"));
    args.addAll(flags);
    args.add(String.join(",", FirstBuildBenchmark.GPU_IMAGES));
    long start = System.nanoTime();
    LocalCloud.CliRun started = local.runCli(args.toArray(String[]::new));
    if (started.exitCode() != 0) {
      throw new IllegalStateException(name + ": " + started.err());
    }
    BuildResult result = local.client().newUntypedWorkflowStub(started.out().strip()).getResult(BuildResult.class);
    double real = (System.nanoTime() - start) / 1e9;
    int launched = local.cloud().allInstances().size() - instancesBefore;
    if (result.upToDate()) {
      return new Case(name, result, real / timeScale, real, launched, null, null);
    }
    return new Case(name, result, real / timeScale, real, launched,
        TimeModel.of(local.cloud(), result, simulatedStart),
        local.cloud().snapshot(result.snapshotId()).orElseThrow());
  }

  private void print(PrintWriter out, Case c) {
    out.printf(Locale.ROOT, "%n%s: %s%s%n", c.name(), c.result().snapshotId(),
        c.result().upToDate() ? " (up to date: nothing launched)" : "");
    if (c.result().incremental() != null) {
      out.println("  " + c.result().incremental().preparedSummary());
      out.println("  " + c.result().incremental().summary());
    }
    if (c.model() != null) {
      c.model().printBasis(out);
      c.model().printSteps(out, c.result(), timeScale, LocalCloud.POLL_INTERVAL_AT_SCALE_1.toMillis() / 1000.0);
      out.printf(Locale.ROOT, "  wall %.1f s (%.1f s real), lower bound %.1f s%n", c.wallSeconds(), c.realSeconds(),
          c.model().lowerBoundSeconds());
    }
  }

  private static String gigabytes(long bytes) {
    return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
  }
}

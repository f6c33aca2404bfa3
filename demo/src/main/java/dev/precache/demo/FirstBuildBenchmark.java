package dev.precache.demo;

import dev.precache.workflows.BuildResult;
import dev.precache.activities.DockerConfig;
import dev.precache.simulator.instance.RegistryCatalog;
import io.temporal.api.history.v1.HistoryEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/first-build}: the GPU image set on a 250 GiB volume of a g5.2xlarge, built with precache's defaults
 * and with the flags of a naive serial build, at the same time, each on a fresh simulated cloud of its own (so
 * each is a first build, and a time scale of 1.0 takes the longer build's time, not the sum). Prints each build's
 * steps against the simulator's time model ({@link TimeModel}) and its wall time against the model's lower bound
 * and against the other, all in simulated seconds. Numbers only: nothing is asserted.
 */
@Command(name = "first-build", mixinStandardHelpOptions = true, sortOptions = false,
    description = "The GPU set's first build, precache's defaults against a naive serial build's flags.")
public final class FirstBuildBenchmark implements Callable<Integer> {

  /** Llama 3.1 8B, Qwen2.5 7B, Qwen3 8B and gpt-oss-20b modelcars, and llm-d: about 16, 15, 16, 13 and 9 GB. */
  static final List<String> GPU_IMAGES = List.of(
      "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct",
      "quay.io/redhat-ai-services/modelcar-catalog:qwen2.5-7b-instruct",
      "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b",
      "quay.io/redhat-ai-services/modelcar-catalog:gpt-oss-20b",
      "ghcr.io/llm-d/llm-d:v0.2.0");
  static final String INSTANCE_TYPE = "g5.2xlarge";
  static final int VOLUME_GIB = 250;

  /** snapshot.sh's way: one pull at a time, on gp3's baseline of 125 MiB/s and 3,000 IOPS. */
  static final List<String> NAIVE_FLAGS = List.of("--parallelism", "1", "--volume-throughput", "125",
      "--volume-iops", "3000");

  @Option(names = "--time-scale", defaultValue = "0.01",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--connection-rate", paramLabel = "MB/s",
      description = "What one registry connection carries at best, in MB/s (default: the simulator's catalog, 150;"
          + " FIGURES.md: one connection to ECR often only a few hundred Mbit/s).")
  Double connectionMegabytesPerSecond;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new FirstBuildBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(Locale.ROOT, "%d images on a %d GiB volume of a %s, time scale %s (1 simulated s = %.0f ms),"
            + " %.0f MB/s per registry connection; simulated seconds%n", GPU_IMAGES.size(), VOLUME_GIB, INSTANCE_TYPE,
        timeScale, timeScale * 1000, catalog().pullBytesPerSecond("quay.io") / 1e6);
    warmUp();
    CompletableFuture<Run> defaultsRun = CompletableFuture.supplyAsync(() -> run("defaults", List.of()));
    CompletableFuture<Run> naiveRun = CompletableFuture.supplyAsync(
        () -> run("naive serial (" + String.join(" ", NAIVE_FLAGS) + ")", NAIVE_FLAGS));
    Run defaults = defaultsRun.join();
    Run naive = naiveRun.join();
    if (defaults == null || naive == null) {
      return CommandLine.ExitCode.SOFTWARE;
    }
    System.out.print(defaults.report());
    System.out.print(naive.report());
    System.out.printf(Locale.ROOT, "%n%-58s %8s %8s %10s%n", "", "wall", "bound", "wall/bound");
    for (Run run : List.of(defaults, naive)) {
      System.out.printf(Locale.ROOT, "%-58s %7.0fs %7.0fs %9.2f×%n", run.name(), run.wallSeconds(),
          run.model().lowerBoundSeconds(), run.wallSeconds() / run.model().lowerBoundSeconds());
    }
    System.out.printf(Locale.ROOT, "defaults / naive serial: %.2f×%n", defaults.wallSeconds() / naive.wallSeconds());
    return CommandLine.ExitCode.OK;
  }

  /**
   * One small build first, so that neither measured build pays for this JVM's class loading and compilation: seconds
   * of real time, minutes of simulated time at small time scales, and even at time scale 1.0 about 3 s of the first
   * step (resolving, finding the last snapshot and describing the instance type each load their clients' classes),
   * which a long-running worker pays once. At 1.0 the warm-up takes about 5 minutes.
   */
  private void warmUp() throws Exception {
    try (LocalCloud local = LocalCloud.start(timeScale)) {
      LocalCloud.CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "--detach", "-q",
          "docker.io/library/busybox:latest");
      local.client().newUntypedWorkflowStub(started.out().strip()).getResult(BuildResult.class);
    }
  }

  /**
   * The simulator's catalog; with {@code --connection-rate}, its default rate per connection replaced (the GPU set's
   * registries, quay.io and ghcr.io, have no rate of their own).
   */
  private RegistryCatalog catalog() throws IOException {
    if (connectionMegabytesPerSecond == null) {
      return RegistryCatalog.defaults();
    }
    Path file = Files.createTempFile("first-build-catalog", ".yaml");
    try {
      Files.writeString(file, "pullBytesPerSecond: " + Math.round(connectionMegabytesPerSecond * 1e6) + "\n");
      return RegistryCatalog.load(file);
    } finally {
      Files.delete(file);
    }
  }

  private record Run(String name, BuildResult result, double wallSeconds, TimeModel model, String report) {}

  /** One build on a fresh simulated cloud: the first build there, builder infrastructure and all. */
  private Run run(String name, List<String> flags) {
    try (LocalCloud local = LocalCloud.start(timeScale, catalog(), DockerConfig.empty())) {
      List<String> args = new ArrayList<>(List.of("build", "-r", LocalCloud.REGION, "-i", INSTANCE_TYPE,
          "-s", String.valueOf(VOLUME_GIB), "--detach", "-q"));
      args.addAll(flags);
      args.add(String.join(",", GPU_IMAGES));
      long start = System.nanoTime();
      LocalCloud.CliRun started = local.runCli(args.toArray(String[]::new));
      if (started.exitCode() != 0) {
        System.err.print(started.err());
        return null;
      }
      String workflowId = started.out().strip();
      BuildResult result = local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
      double wall = (System.nanoTime() - start) / 1e9 / timeScale;
      TimeModel model = TimeModel.of(local.cloud(), result);
      StringWriter report = new StringWriter();
      PrintWriter out = new PrintWriter(report);
      out.printf(Locale.ROOT, "%n%s: %s; %s%n", name, result.snapshotId(), Leftovers.in(local.cloud()).summary());
      model.printBasis(out);
      model.printSteps(out, result, timeScale, LocalCloud.POLL_INTERVAL_AT_SCALE_1.toMillis() / 1000.0);
      List<HistoryEvent> history = local.client().fetchHistory(workflowId).getEvents();
      PullTimeline.printStacks(out, history, local.cloud());
      PullTimeline.of(history, local.cloud(), LocalCloud.REGION, result.instanceId()).print(out);
      out.printf(Locale.ROOT, "  wall %.1f s (%.1f s real), lower bound %.1f s%n", wall, wall * timeScale,
          model.lowerBoundSeconds());
      out.flush();
      return new Run(name, result, wall, model, report.toString());
    } catch (Exception e) {
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    }
  }
}

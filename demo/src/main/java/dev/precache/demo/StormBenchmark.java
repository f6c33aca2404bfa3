package dev.precache.demo;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import dev.precache.simulator.fault.Faults;
import dev.precache.workflows.BuildResult;
import io.temporal.client.WorkflowStub;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/api-storm}: concurrent small builds on one worker, first on a quiet simulated cloud, then with every
 * EC2, SSM and CloudFormation operation failing at the given rates, half throttled ({@code RequestLimitExceeded}),
 * half server errors ({@code InternalError}). Prints per configuration how many builds succeeded, their wall times
 * against the quiet run's, the calls refused, and what was left behind. Numbers only: nothing is asserted. The
 * quiet run compared with is the second: the first warms the JVM up.
 */
@Command(name = "api-storm", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Concurrent builds through an API storm, against the same builds on a quiet cloud.")
public final class StormBenchmark implements Callable<Integer> {

  private static final List<String> SERVICES = List.of("ec2", "ssm", "cloudformation");
  private static final String IMAGES = "docker.io/library/busybox:latest,docker.io/library/nginx:1.27";

  /**
   * At 0.05 a real millisecond the worker, Temporal and the simulator spend on a call reads as 20 simulated ms, so
   * one round trip of a few milliseconds reads about as long as an AWS API call takes. At 0.01 it reads five times
   * longer, and a storm, which makes two or three times the quiet run's calls, is slowed by that as much as by AWS.
   */
  @Option(names = "--time-scale", defaultValue = "0.05",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--builds", defaultValue = "10", description = "Concurrent builds (default: ${DEFAULT-VALUE}).")
  int builds;

  @Option(names = "--rates", split = ",", defaultValue = "0.3,0.5",
      description = "Per-call rate of each of the two errors, one storm per value (default: ${DEFAULT-VALUE}).")
  List<Double> rates;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new StormBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(Locale.ROOT, "%d concurrent builds of %s, time scale %s; wall times in simulated seconds%n",
        builds, IMAGES, timeScale);
    System.out.printf(Locale.ROOT, "%-26s %9s %9s %9s %9s %13s  %s%n", "cloud", "succeeded", "median", "slowest",
        "vs quiet", "calls refused", "left behind");
    // The first round in a fresh JVM also pays for class loading and the JIT (in one run: 1805 s slowest, then 907 s
    // through a storm); it is printed, not compared with.
    Storm warmUp = run(0);
    print("quiet, warming up", warmUp, warmUp);
    Storm quiet = run(0);
    print("quiet", quiet, quiet);
    Map<String, StormFigures> rounds = new LinkedHashMap<>();
    rounds.put("quiet", quiet.figures());
    for (double rate : rates) {
      Storm storm = run(rate);
      print(String.format(Locale.ROOT, "storm %.1f + %.1f", rate, rate), storm, quiet);
      rounds.put(String.format(Locale.ROOT, "storm %.1f", rate), storm.figures());
    }
    StormFigures.printSteps(rounds);
    rounds.forEach((round, figures) -> {
      figures.printActivities(round);
      figures.printCalls(round, 12);
    });
    return CommandLine.ExitCode.OK;
  }

  private record Storm(int succeeded, List<Double> wallSeconds, long callsFailed, long calls, Leftovers leftovers,
      StormFigures figures) {
    double median() {
      List<Double> sorted = wallSeconds.stream().sorted().toList();
      return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    double slowest() {
      return wallSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
  }

  private Storm run(double rate) throws Exception {
    try (LocalCloud local = LocalCloud.start(timeScale)) {
      Cloud cloud = local.cloud();
      for (String service : SERVICES) {
        if (rate > 0) {
          cloud.faults().addError(service, Faults.ANY_OPERATION, "RequestLimitExceeded", rate);
          cloud.faults().addError(service, Faults.ANY_OPERATION, "InternalError", rate);
        }
      }
      List<CompletableFuture<Double>> walls = new ArrayList<>();
      List<CompletableFuture<BuildResult>> results = new ArrayList<>();
      List<String> workflowIds = new ArrayList<>();
      for (int i = 0; i < builds; i++) {
        long start = System.nanoTime();
        LocalCloud.CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "--name", "storm-" + i,
            "--detach", "-q", IMAGES);
        if (started.exitCode() != 0) {
          System.err.print(started.err());
          return new Storm(0, List.of(), 0, 0, Leftovers.in(cloud), null);
        }
        workflowIds.add(started.out().strip());
        WorkflowStub build = local.client().newUntypedWorkflowStub(started.out().strip());
        CompletableFuture<BuildResult> result = build.getResultAsync(BuildResult.class);
        results.add(result.exceptionally(failed -> null));
        walls.add(result
            .thenApply(done -> (System.nanoTime() - start) / 1e9 / timeScale)
            .exceptionally(failed -> null));
      }
      List<Double> succeeded = walls.stream().map(CompletableFuture::join).filter(wall -> wall != null).toList();
      List<Call> calls = cloud.requests().all();
      StormFigures figures = StormFigures.of(
          results.stream().map(CompletableFuture::join).filter(result -> result != null).toList(),
          workflowIds.stream().map(id -> local.client().fetchHistory(id).getEvents()).toList(), calls, timeScale);
      return new Storm(succeeded.size(), succeeded, calls.stream().filter(c -> c.errorCode() != null).count(),
          calls.size(), Leftovers.in(cloud), figures);
    }
  }

  private void print(String cloud, Storm storm, Storm quiet) {
    System.out.printf(Locale.ROOT, "%-26s %6d/%-2d %8.0f s %8.0f s %8.2f× %6d of %-6d  %s%n", cloud,
        storm.succeeded(), builds, storm.median(), storm.slowest(), storm.slowest() / quiet.slowest(),
        storm.callsFailed(), storm.calls(), storm.leftovers().summary());
  }
}

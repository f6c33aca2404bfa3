package dev.precache.demo;

import dev.precache.workflows.BuildResult;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/concurrent-builds}: many small builds at once on one worker, once per number of activity slots.
 * Prints per configuration how many succeeded, their wall times, how long an activity waited for a slot (from
 * scheduled to started, first attempts, read from each build's history), the heap's peak and what was left
 * behind. The simulator, the Temporal server and the worker share this process and its heap. Numbers only.
 */
@Command(name = "concurrent-builds", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Concurrent small builds on one worker, per number of activity slots.")
public final class ConcurrentBuildsBenchmark implements Callable<Integer> {

  private static final String IMAGE = "docker.io/library/busybox:latest";

  @Option(names = "--time-scale", defaultValue = "1.0",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--builds", defaultValue = "100", description = "Concurrent builds (default: ${DEFAULT-VALUE}).")
  int builds;

  @Option(names = "--slots", split = ",", defaultValue = "20,1000",
      description = "The worker's activity slots, one run per value (default: ${DEFAULT-VALUE}; 20 was the "
          + "default before).")
  List<Integer> slots;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new ConcurrentBuildsBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(Locale.ROOT, "%d concurrent builds of %s (amd64), time scale %s, max heap %d MiB;"
            + " wall times in simulated s, slot waits in real s%n", builds, IMAGE, timeScale,
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf(Locale.ROOT, "%-7s %9s %9s %9s %11s %11s %10s %9s  %s%n", "slots", "succeeded", "median",
        "slowest", "slot wait½", "slot wait↑", "heap peak", "RSS peak", "left behind");
    for (int slotCount : slots) {
      run(slotCount);
    }
    return CommandLine.ExitCode.OK;
  }

  private void run(int slotCount) throws Exception {
    AtomicLong heapPeak = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "heap-sampler");
      thread.setDaemon(true);
      return thread;
    });
    sampler.scheduleAtFixedRate(() -> heapPeak.accumulateAndGet(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 200, TimeUnit.MILLISECONDS);
    try (LocalCloud local = LocalCloud.start(timeScale, slotCount)) {
      List<String> workflowIds = new ArrayList<>();
      List<CompletableFuture<Double>> walls = new ArrayList<>();
      for (int i = 0; i < builds; i++) {
        long start = System.nanoTime();
        LocalCloud.CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "--name", "small-" + i,
            "-A", "amd64", "--detach", "-q", IMAGE);
        if (started.exitCode() != 0) {
          System.err.print(started.err());
          return;
        }
        String workflowId = started.out().strip();
        workflowIds.add(workflowId);
        WorkflowStub build = local.client().newUntypedWorkflowStub(workflowId);
        walls.add(build.getResultAsync(BuildResult.class)
            .thenApply(result -> (System.nanoTime() - start) / 1e9 / timeScale)
            .exceptionally(failed -> null));
      }
      List<Double> succeeded = walls.stream().map(CompletableFuture::join).filter(wall -> wall != null)
          .sorted().toList();
      List<Double> slotWaits = new ArrayList<>();
      for (String workflowId : workflowIds) {
        slotWaits.addAll(slotWaitSeconds(local.client().fetchHistory(workflowId).getEvents()));
      }
      slotWaits.sort(Double::compare);
      System.out.printf(Locale.ROOT, "%-7d %6d/%-2d %8.0fs %8.0fs %10.2fs %10.2fs %8d MiB %6d MiB  %s%n", slotCount,
          succeeded.size(), builds, median(succeeded), succeeded.isEmpty() ? Double.NaN : succeeded.get(succeeded.size() - 1),
          median(slotWaits), slotWaits.isEmpty() ? Double.NaN : slotWaits.get(slotWaits.size() - 1),
          heapPeak.get() >> 20, peakRssMiB(), Leftovers.in(local.cloud()).summary());
    } finally {
      sampler.shutdownNow();
    }
  }

  /** From each activity's scheduling to its first attempt's start: the time it queued for a worker's slot. */
  private static List<Double> slotWaitSeconds(List<HistoryEvent> events) {
    Map<Long, HistoryEvent> scheduled = new HashMap<>();
    List<Double> waits = new ArrayList<>();
    for (HistoryEvent event : events) {
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.put(event.getEventId(), event);
      } else if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
          && event.getActivityTaskStartedEventAttributes().getAttempt() == 1) {
        HistoryEvent of = scheduled.get(event.getActivityTaskStartedEventAttributes().getScheduledEventId());
        waits.add(seconds(event) - seconds(of));
      }
    }
    return waits;
  }

  private static double seconds(HistoryEvent event) {
    return event.getEventTime().getSeconds() + event.getEventTime().getNanos() / 1e9;
  }

  private static double median(List<Double> sorted) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
  }

  /** The process's peak resident set so far (Linux), or -1 where /proc is not there. */
  private static long peakRssMiB() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(line -> line.startsWith("VmHWM:"))
          .map(line -> Long.parseLong(line.replaceAll("\\D", "")) >> 10)
          .findFirst().orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }
}

package dev.precache.demo;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench/restore}: plan's restore estimates next to the simulator's measured reads of a restored volume. */
@Command(name = "restore-benchmark", mixinStandardHelpOptions = true,
    description = "Builds images on the simulator, restores the snapshot lazily, at 300 MiB/s and with FSR, and "
        + "prints plan's estimate next to the measured read.")
final class RestoreBenchmark implements Callable<Integer> {
  @Option(names = "--images", split = ",", description = "Images (default: the Llama 3.1 8B modelcar).")
  List<String> images = List.of("quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct");

  @Option(names = "--time-scale", description = "Simulated time scale of the build (default: ${DEFAULT-VALUE}).")
  double timeScale = 0.005;

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new RestoreBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (LocalCloud local = LocalCloud.start(timeScale)) {
      RestoreReads.Measured measured = RestoreReads.measure(local, images);
      System.out.print(measured.planText());
      System.out.println();
      System.out.printf(Locale.ROOT, "%-14s %12s %14s %8s%n", "option", "plan (s)", "measured (s)", "off");
      for (RestoreReads.Row row : measured.rows()) {
        System.out.printf(Locale.ROOT, "%-14s %12.0f %14.0f %7.1f%%%n", row.option(), row.estimatedSeconds(),
            row.measuredSeconds(), row.offPercent());
      }
    }
    return 0;
  }
}

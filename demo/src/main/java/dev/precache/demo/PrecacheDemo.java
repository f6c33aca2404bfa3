package dev.precache.demo;

import dev.precache.workflows.BuildResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code precache demo}: one build against the simulated cloud, in this process, with the CLI's own output; then
 * the snapshot's content as the simulator recorded it, checked against the build's result; then the same build
 * again, which finds the snapshot up to date and launches nothing; and what was left.
 */
@Command(name = "precache demo", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = PrecacheDemo.Version.class,
    description = "Build a snapshot against a simulated AWS cloud, all in this process on 127.0.0.1.")
public final class PrecacheDemo implements Callable<Integer> {

  /** {@code --version}: the version the jar was built as. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = PrecacheDemo.class.getPackage().getImplementationVersion();
      return new String[] {"precache demo " + (version == null ? "(development build, not from a jar)" : version)};
    }
  }

  /**
   * Every image exists for both platforms in the simulator's catalog, so the build pulls all of them for amd64
   * and arm64: busybox, the private ECR sample (pulled with an ECR token), and nginx.
   */
  static final List<String> SAMPLE_IMAGES = List.of(
      "docker.io/library/busybox:latest",
      "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1",
      "docker.io/library/nginx:1.27");
  static final List<String> ARCHITECTURES = List.of("amd64", "arm64");

  @Option(names = "--time-scale", defaultValue = "0.02",
      description = "Real seconds per simulated second (default: ${DEFAULT-VALUE}, 50x faster than AWS).")
  double timeScale;

  @Option(names = "--images", split = ",", paramLabel = "IMAGES",
      description = "Images to build the snapshot of, comma-separated, from the simulator's registry catalog "
          + "(default: the three samples).")
  List<String> images = SAMPLE_IMAGES;

  /**
   * The same build again, as a nightly schedule would run it: the registry still serves the same digests, so it
   * ends with the first snapshot and launches no stack or instance.
   */
  private int rebuildUnchanged(LocalCloud local, BuildResult first, PrintWriter out, PrintWriter err) {
    int instancesBefore = local.cloud().allInstances().size();
    int stacksBefore = local.cloud().allStacks().size();
    System.out.println("$ precache build -r " + LocalCloud.REGION + " -A " + String.join(",", ARCHITECTURES)
        + " --name demo " + String.join(",", images) + "   # again, nothing changed");
    int exit = local.runCli(out, err, "build", "-r", LocalCloud.REGION, "-A", String.join(",", ARCHITECTURES),
        "--name", "demo", String.join(",", images));
    if (exit != 0) {
      return exit;
    }
    int launched = local.cloud().allInstances().size() - instancesBefore;
    int stacks = local.cloud().allStacks().size() - stacksBefore;
    System.out.println("second build: " + launched + " instances and " + stacks + " stacks launched; snapshot "
        + first.snapshotId() + " reused");
    return launched == 0 && stacks == 0 ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
  }

  public static void main(String[] args) {
    LocalCloud.quietLogging();
    System.exit(new CommandLine(new PrecacheDemo()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (LocalCloud local = LocalCloud.start(timeScale)) {
      System.out.println("Simulated AWS on " + local.simulatorEndpoint() + " (time scale " + timeScale
          + "), Temporal on " + local.temporalTarget() + ", worker in this process.");
      System.out.println("$ precache build -r " + LocalCloud.REGION + " -A " + String.join(",", ARCHITECTURES)
          + " " + String.join(",", images));
      PrintWriter out = new PrintWriter(System.out, true);
      PrintWriter err = new PrintWriter(System.err, true);
      LocalCloud.CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-A",
          String.join(",", ARCHITECTURES), "--name", "demo", "--detach", "-q", String.join(",", images));
      if (started.exitCode() != 0) {
        err.print(started.err());
        err.flush();
        return started.exitCode();
      }
      String workflowId = started.out().strip();
      System.out.println("Started build " + workflowId);
      int watched = local.runCli(out, err, "watch", workflowId);
      if (watched != 0) {
        return watched;
      }
      BuildResult result = local.client().newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
      System.out.println();
      VerifiedSnapshot.of(result, local.cloud()).print(System.out);
      System.out.println();
      int rebuilt = rebuildUnchanged(local, result, out, err);
      if (rebuilt != 0) {
        return rebuilt;
      }
      System.out.println();
      Leftovers leftovers = Leftovers.in(local.cloud());
      System.out.println(leftovers.summary());
      return leftovers.none() ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    } catch (VerifiedSnapshot.MismatchException e) {
      System.err.println(e.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    }
  }
}

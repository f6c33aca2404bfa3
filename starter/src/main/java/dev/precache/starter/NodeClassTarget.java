package dev.precache.starter;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code build --nodeclass NAME}: once the build succeeds, set its data-volume entry on the cluster's EC2NodeClass
 * as {@code nodeclass ID --apply NAME} does. The cluster is reached and the class read before the build starts, so
 * a wrong kubeconfig or class name costs nothing.
 */
final class NodeClassTarget {
  @Option(names = "--nodeclass", paramLabel = "NAME",
      description = "After a successful build, set its /dev/xvdb entry on the cluster's EC2NodeClass NAME.")
  String name;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "With --nodeclass (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account).")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "With --nodeclass: kubeconfig context (default: current).")
  String context;

  /**
   * The cluster's client with the class found, or null without {@code --nodeclass}.
   *
   * @throws CliError exit 2 for {@code --kubeconfig}/{@code --context} alone or a bad kubeconfig; exit 1 when the
   *     class is missing or the cluster cannot be reached
   */
  NodeClassApplier connect() {
    if (name == null) {
      if (kubeconfig != null || context != null) {
        throw CliError.usage("invalid " + (kubeconfig != null ? "--kubeconfig" : "--context"), "only with --nodeclass",
            null);
      }
      return null;
    }
    NodeClassApplier applier = NodeClassApplier.connect(kubeconfig, context);
    try {
      applier.check(name);
      return applier;
    } catch (CliError e) {
      applier.close();
      throw e;
    }
  }

  /**
   * Sets the entry of the succeeded build {@code workflowId} and says so on {@code log}; returns the exit code.
   * The snapshot stands either way: a refusal is exit 1 with the command that retries it.
   */
  int apply(NodeClassApplier applier, TemporalConnection connection, String workflowId, PrintWriter log,
      PrintWriter err) {
    try {
      FinishedBuild build = FinishedBuild.read(connection, workflowId);
      DataVolumeMapping mapping = new DataVolumeOptions().forBuild(build, err);
      NodeClassCommand.warn(NodeClassCompatibility.warnings(build.compatibility(), applier.spec(name)), err);
      NodeClassApplier.Applied applied = applier.apply(name, mapping.toEntry());
      log.println("EC2NodeClass " + name + ": " + DataVolumeMapping.DEVICE_NAME + " from " + mapping.snapshotId());
      log.flush();
      new NodeClassMarker(name, mapping.snapshotId(), applier.tagValue(name), log, err)
          .mark(connection, build.result().region(), applied);
      return 0;
    } catch (CliError e) {
      return CliError.failed("snapshot built, but EC2NodeClass " + name + " was not updated", e.getMessage(),
          "retry: precache nodeclass " + workflowId + " --apply " + name, e).report(err);
    }
  }
}

package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.SnapshotLifecycle;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An applied EC2NodeClass keeps its snapshot from retention: real builds on the simulator with the production worker,
 * the class applied on a real API server with the Karpenter CRD, the snapshot tagged by the worker
 * ({@code precache:nodeclass}) and retention's dry run reading that tag.
 */
class NodeClassSnapshotTagTest extends RealBuildTest {
  @RegisterExtension
  @Order(4)
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION);

  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String GPU = KubeApiServer.CONTEXT + "/gpu-tagged";
  private static final String CPU = KubeApiServer.CONTEXT + "/cpu-tagged";

  @Test
  void theAppliedSnapshotIsTaggedKeptByRetentionAndUntaggedOnceTheClassMovesOn() throws Exception {
    NodeClassFromBuildTest.createClass(KUBE, "gpu-tagged");
    NodeClassFromBuildTest.createClass(KUBE, "cpu-tagged");
    Cli cli = new Cli(temporal.client());
    String kubeconfig = KUBE.kubeconfig().toString();

    Cli.Run first = cli.run("build", "-r", "us-west-2", "-q", "--name", "tagged", "--nodeclass", "gpu-tagged",
        "--kubeconfig", kubeconfig, BUSYBOX);
    assertThat(first.exitCode()).as("%s", first).isZero();
    String build1 = first.out().strip();
    assertThat(first.err()).contains("Snapshot " + build1 + ": " + SnapshotLifecycle.NODECLASS + "=" + GPU);
    assertThat(nodeClassTag(build1)).isEqualTo(GPU);

    // A second class on the same snapshot: both named.
    Cli.Run cpu = cli.run("nodeclass", "--snapshot-id", build1, "-r", "us-west-2", "--apply", "cpu-tagged",
        "--kubeconfig", kubeconfig);
    assertThat(cpu.exitCode()).as("%s", cpu).isZero();
    assertThat(nodeClassTag(build1)).isEqualTo(GPU + "," + CPU);

    Cli.Run second = cli.run("build", "-r", "us-west-2", "-q", "--name", "tagged", "--force", BUSYBOX);
    assertThat(second.exitCode()).as("%s", second).isZero();
    String build2 = second.out().strip();
    assertThat(build2).isNotEqualTo(build1);
    assertThat(nodeClassTag(build2)).as("not applied: untagged").isNull();
    assertThat(pruneVerdicts(cli)).containsEntry(build1, "KEEP: in use: EC2NodeClass " + GPU + "," + CPU)
        .containsKey(build2);

    Cli.Run moved = cli.run("nodeclass", "--snapshot-id", build2, "-r", "us-west-2", "--apply", "gpu-tagged",
        "--kubeconfig", kubeconfig);
    assertThat(moved.exitCode()).as("%s", moved).isZero();
    assertThat(moved.out()).contains("Snapshot " + build2 + ": " + SnapshotLifecycle.NODECLASS + "=" + GPU)
        .contains("Snapshot " + build1 + ": " + SnapshotLifecycle.NODECLASS + "=" + CPU);
    assertThat(nodeClassTag(build2)).isEqualTo(GPU);
    assertThat(nodeClassTag(build1)).as("gpu-tagged moved on; cpu-tagged still names it").isEqualTo(CPU);

    Cli.Run cpuMoved = cli.run("nodeclass", "--snapshot-id", build2, "-r", "us-west-2", "--apply", "cpu-tagged",
        "--kubeconfig", kubeconfig);
    assertThat(cpuMoved.exitCode()).as("%s", cpuMoved).isZero();
    assertThat(nodeClassTag(build1)).as("no class names it").isNull();
    assertThat(nodeClassTag(build2)).isEqualTo(GPU + "," + CPU);
    Map<String, String> verdicts = pruneVerdicts(cli);
    assertThat(verdicts.get(build1)).startsWith("EXPIRE");
    assertThat(verdicts.get(build2)).startsWith("KEEP");
    assertThat(aws.cloud().snapshot(build1)).as("a dry run deletes nothing").isPresent();

    // A snapshot that is not this account's: the class is applied, the snapshot left alone with a note, and the
    // class still comes off the one it named.
    Cli.Run foreign = cli.run("nodeclass", "--snapshot-id", "snap-0123456789abcdef0", "-r", "us-west-2", "--apply",
        "gpu-tagged", "--kubeconfig", kubeconfig);
    assertThat(foreign.exitCode()).as("%s", foreign).isZero();
    assertThat(foreign.err()).contains("note: snapshot snap-0123456789abcdef0: not tagged: no such snapshot of this account in us-west-2");
    assertThat(nodeClassTag(build2)).isEqualTo(CPU);
  }

  private static String nodeClassTag(String snapshotId) {
    return aws.cloud().snapshot(snapshotId).map(Snapshot::tags).orElseThrow().get(SnapshotLifecycle.NODECLASS);
  }

  /** Snapshot → {@code VERDICT: reason} of {@code snapshots prune --keep 1 --dry-run -o json}. */
  private static Map<String, String> pruneVerdicts(Cli cli) throws Exception {
    Cli.Run prune = cli.run("snapshots", "prune", "-r", "us-west-2", "--name", "tagged", "--keep", "1", "--dry-run",
        "-o", "json");
    assertThat(prune.exitCode()).as("%s", prune).isZero();
    Map<String, String> verdicts = new HashMap<>();
    for (JsonNode snapshot : new ObjectMapper().readTree(prune.out()).get("snapshots")) {
      verdicts.put(snapshot.get("snapshotId").asText(),
          snapshot.get("verdict").asText() + ": " + snapshot.get("reason").asText());
    }
    return verdicts;
  }
}

package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The compatibility guard of {@code nodeclass --apply}: classes the real kube-apiserver accepts under Karpenter's
 * real EC2NodeClass CRD whose nodes would wipe or bypass the snapshot's volume get a warning naming why; a plain
 * Bottlerocket class gets none. The entry is applied either way.
 */
class NodeClassCompatibilityTest {
  @RegisterExtension
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION);

  private static final String SNAPSHOT = "snap-0123456789abcdef0";
  private final Cli cli = new Cli(null);

  private static void createClass(String name, Map<String, Object> extra) {
    NodeClassApplyTest.createClass(KUBE, name, extra);
  }

  private Cli.Run apply(String name) {
    return cli.run("nodeclass", "--apply", name, "--snapshot-id", SNAPSHOT, "--volume-size", "100",
        "--kubeconfig", KUBE.kubeconfig().toString(), "--context", KubeApiServer.CONTEXT);
  }

  @Test
  void aPlainBottlerocketClassGetsNoWarning() {
    createClass("plain", Map.of("userData", "[settings.kubernetes]\nmax-pods = 110\n"));

    Cli.Run run = apply("plain");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).doesNotContain("warning:");
  }

  @Test
  void aClassOnTheSociSnapshotterIsWarnedThatBottlerocketWipesTheImages() {
    createClass("soci", Map.of("userData", "[settings.container-runtime]\nsnapshotter = \"soci\"\n"));

    Cli.Run run = apply("soci");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).contains("warning: the class's userData sets settings.container-runtime.snapshotter = "
        + "\"soci\", but the snapshot's images were unpacked by overlayfs: Bottlerocket wipes /var/lib/containerd");
    assertThat(run.out()).contains("EC2NodeClass soci: /dev/xvdb from " + SNAPSHOT);
  }

  @Test
  void aClassOnInstanceStorageIsWarnedThatItBypassesTheVolume() {
    createClass("raid", Map.of("instanceStorePolicy", "RAID0", "userData",
        "[settings.bootstrap-commands.k8s-ephemeral-storage]\ncommands = [[\"apiclient\", \"ephemeral-storage\","
            + " \"init\"], [\"apiclient\", \"ephemeral-storage\", \"bind\", \"--dirs\", \"/var/lib/containerd\"]]\n"
            + "essential = true\nmode = \"always\"\n"));

    Cli.Run run = apply("raid");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).contains("warning: instanceStorePolicy: RAID0 puts containerd's and kubelet's state on the"
        + " instance-store array", "warning: the class's userData runs apiclient ephemeral-storage");
  }

  @Test
  void aClassOfAnotherOperatingSystemIsWarned() {
    createClass("al2023", Map.of("amiSelectorTerms", List.of(Map.of("alias", "al2023@latest"))));

    Cli.Run run = apply("al2023");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).contains("warning: amiSelectorTerms alias al2023@latest is not Bottlerocket");
  }
}

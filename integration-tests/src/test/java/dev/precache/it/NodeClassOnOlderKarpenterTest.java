package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code nodeclass --apply} on a cluster whose Karpenter (v1.0.8) predates {@code ebs.volumeInitializationRate}:
 * an update would prune the field and answer success, so a node would restore lazily while precache said the rate
 * was set; the server-side apply is refused, naming the field, and precache says so with the class unchanged.
 */
class NodeClassOnOlderKarpenterTest {
  @RegisterExtension
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION_WITHOUT_INITIALIZATION_RATE);

  private static final String SNAPSHOT = "snap-0123456789abcdef0";
  private static final Map<String, Object> OS_VOLUME = Map.of("deviceName", "/dev/xvda",
      "ebs", Map.of("volumeSize", "4Gi", "volumeType", "gp3", "encrypted", true));

  private final Cli cli = new Cli(null);

  @Test
  void aFieldTheCrdLacksIsRefusedByTheServerAndNothingChanges() {
    GenericKubernetesResource nodeClass = new GenericKubernetesResource();
    nodeClass.setApiVersion("karpenter.k8s.aws/v1");
    nodeClass.setKind("EC2NodeClass");
    nodeClass.setMetadata(new ObjectMetaBuilder().withName("old").build());
    nodeClass.setAdditionalProperty("spec", Map.of(
        "role", "KarpenterNodeRole-test",
        "amiSelectorTerms", List.of(Map.of("alias", "bottlerocket@latest")),
        "subnetSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test"))),
        "securityGroupSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test"))),
        "blockDeviceMappings", List.of(OS_VOLUME)));
    Resource<GenericKubernetesResource> old = KUBE.client()
        .genericKubernetesResources(NodeClassApplyTest.EC2_NODE_CLASS).resource(nodeClass);
    old.create();
    String before = old.get().getMetadata().getResourceVersion();
    String[] apply = {"nodeclass", "--apply", "old", "--kubeconfig", KUBE.kubeconfig().toString(),
        "--snapshot-id", SNAPSHOT, "--volume-size", "100"};

    Cli.Run withRate = cli.run(concat(apply, "--initialization-rate", "300"));

    assertThat(withRate.exitCode()).as("%s", withRate).isEqualTo(1);
    assertThat(withRate.err()).startsWith("error: the Kubernetes API server refused EC2NodeClass old (")
        .contains("volumeInitializationRate");
    assertThat(old.get().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(devices(old)).containsExactly(OS_VOLUME);

    // The same entry without the rate is one this CRD knows.
    Cli.Run withoutRate = cli.run(apply);
    assertThat(withoutRate.exitCode()).as("%s", withoutRate).isZero();
    assertThat(devices(old)).hasSize(2).first().isEqualTo(OS_VOLUME);
  }

  private static List<Map<String, Object>> devices(Resource<GenericKubernetesResource> nodeClass) {
    return nodeClass.get().get("spec", "blockDeviceMappings");
  }

  private static String[] concat(String[] args, String... more) {
    String[] all = Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }
}

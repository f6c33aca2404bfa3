package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import dev.precache.worker.LoopbackPorts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code precache nodeclass --apply} against a real kube-apiserver with Karpenter's real EC2NodeClass CRD: the
 * data volume's entry is set, the class's other devices survive, and what the CRD's schema refuses is refused by
 * the API server itself and reported as a CLI error with the class unchanged.
 */
class NodeClassApplyTest {
  @RegisterExtension
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION);

  static final ResourceDefinitionContext EC2_NODE_CLASS = new ResourceDefinitionContext.Builder()
      .withGroup("karpenter.k8s.aws").withVersion("v1").withKind("EC2NodeClass").withPlural("ec2nodeclasses")
      .withNamespaced(false).build();
  private static final String SNAPSHOT = "snap-0123456789abcdef0";
  private static final Map<String, Object> OS_VOLUME = Map.of("deviceName", "/dev/xvda",
      "ebs", Map.of("volumeSize", "4Gi", "volumeType", "gp3", "encrypted", true));

  private static final Path DEPLOY_EXAMPLE = Path.of("../deploy/karpenter/ec2nodeclass.yaml");

  private final Cli cli = new Cli(null);

  /** A class as a user writes it: Bottlerocket's OS volume, and a data volume precache is to replace. */
  private static Resource<GenericKubernetesResource> createClass(String name, List<Map<String, Object>> devices) {
    return createClass(KUBE, name, devices == null ? Map.of() : Map.of("blockDeviceMappings", devices));
  }

  /** A valid EC2NodeClass with {@code extraSpec} laid over its spec, created on {@code kube}. */
  static Resource<GenericKubernetesResource> createClass(KubeApiServer kube, String name,
      Map<String, Object> extraSpec) {
    GenericKubernetesResource nodeClass = new GenericKubernetesResource();
    nodeClass.setApiVersion("karpenter.k8s.aws/v1");
    nodeClass.setKind("EC2NodeClass");
    nodeClass.setMetadata(new ObjectMetaBuilder().withName(name).build());
    Map<String, Object> spec = new LinkedHashMap<>(Map.of(
        "role", "KarpenterNodeRole-test",
        "amiSelectorTerms", List.of(Map.of("alias", "bottlerocket@latest")),
        "subnetSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test"))),
        "securityGroupSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test")))));
    spec.putAll(extraSpec);
    nodeClass.setAdditionalProperty("spec", spec);
    kube.client().genericKubernetesResources(EC2_NODE_CLASS).resource(nodeClass).create();
    return kube.client().genericKubernetesResources(EC2_NODE_CLASS).withName(name);
  }

  private static List<Map<String, Object>> devices(Resource<GenericKubernetesResource> nodeClass) {
    return nodeClass.get().get("spec", "blockDeviceMappings");
  }

  private Cli.Run apply(String name, String... flags) {
    List<String> args = new ArrayList<>(List.of("nodeclass", "--apply", name,
        "--kubeconfig", KUBE.kubeconfig().toString(), "--context", KubeApiServer.CONTEXT));
    args.addAll(List.of(flags));
    return cli.run(args.toArray(String[]::new));
  }

  @Test
  void setsTheDataVolumeAndKeepsTheOsVolume() {
    Resource<GenericKubernetesResource> gpu = createClass("gpu", List.of(OS_VOLUME,
        Map.of("deviceName", "/dev/xvdb", "ebs", Map.of("volumeSize", "20Gi", "volumeType", "gp3"))));

    Cli.Run run = apply("gpu", "--snapshot-id", SNAPSHOT, "--volume-size", "120", "--throughput", "500",
        "--iops", "6000", "--encrypted", "--volume-initialization-rate", "300");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo("EC2NodeClass gpu: /dev/xvdb from " + SNAPSHOT
        + "; devices now /dev/xvda, /dev/xvdb\n");
    List<Map<String, Object>> devices = devices(gpu);
    assertThat(devices).hasSize(2);
    assertThat(devices.get(0)).isEqualTo(OS_VOLUME);
    assertThat(devices.get(1)).isEqualTo(Map.of("deviceName", "/dev/xvdb", "ebs", Map.of(
        "snapshotID", SNAPSHOT, "volumeSize", "120Gi", "volumeType", "gp3", "throughput", 500, "iops", 6000,
        "encrypted", true, "deleteOnTermination", true, "volumeInitializationRate", 300)));
    List<ManagedFieldsEntry> managers = gpu.get().getMetadata().getManagedFields();
    assertThat(managers).anySatisfy(entry -> {
      assertThat(entry.getManager()).isEqualTo("precache");
      assertThat(entry.getOperation()).isEqualTo("Apply");
    });

    // Again, with another snapshot: the entry is replaced in place, not added.
    Cli.Run again = apply("gpu", "--snapshot-id", "snap-0fedcba9876543210", "--volume-size", "150");
    assertThat(again.exitCode()).as("%s", again).isZero();
    assertThat(devices(gpu)).hasSize(2).first().isEqualTo(OS_VOLUME);
    assertThat(devices(gpu).get(1)).extracting("ebs").asInstanceOf(MAP)
        .containsEntry("snapshotID", "snap-0fedcba9876543210").containsEntry("volumeSize", "150Gi")
        .doesNotContainKey("volumeInitializationRate");
  }

  @Test
  void withoutTemporalTheClassIsAppliedAndANoteSaysTheSnapshotIsNotMarked() {
    Resource<GenericKubernetesResource> solo = createClass("solo", List.of(OS_VOLUME));

    Cli.Run run = apply("solo", "--snapshot-id", SNAPSHOT, "-r", "us-west-2");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo("EC2NodeClass solo: /dev/xvdb from " + SNAPSHOT
        + "; devices now /dev/xvda, /dev/xvdb\n");
    assertThat(run.err()).isEqualTo("note: EC2NodeClass solo is set, but snapshot " + SNAPSHOT + " was not tagged "
        + "precache:nodeclass=" + KubeApiServer.CONTEXT + "/solo (no Temporal server configured, and none answers at "
        + "127.0.0.1:7233): retention may delete it unless an SSM parameter names it or it is among the newest N "
        + "(--keep) of its name; to mark it, re-run the apply with --address / TEMPORAL_ADDRESS naming the server "
        + "precache's worker uses\n");
    assertThat(devices(solo)).hasSize(2).last().extracting("ebs").asInstanceOf(MAP)
        .containsEntry("snapshotID", SNAPSHOT);
  }

  @Test
  void aConfiguredTemporalServerThatIsDownIsAWarningAndTheClassIsStillApplied() {
    Resource<GenericKubernetesResource> down = createClass("down", List.of(OS_VOLUME));
    String nobody = LoopbackPorts.HOST + ":" + LoopbackPorts.reserve();

    Cli.Run run = Cli.runAsInstalled("nodeclass", "--apply", "down", "--snapshot-id", SNAPSHOT, "-r", "us-west-2",
        "--kubeconfig", KUBE.kubeconfig().toString(), "--context", KubeApiServer.CONTEXT, "--address", nobody);

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo("EC2NodeClass down: /dev/xvdb from " + SNAPSHOT
        + "; devices now /dev/xvda, /dev/xvdb\n");
    assertThat(run.err()).startsWith("warning: EC2NodeClass down is set, but snapshot " + SNAPSHOT + " was not tagged "
            + "precache:nodeclass=" + KubeApiServer.CONTEXT + "/down (cannot reach the Temporal server at " + nobody)
        .endsWith("retention may delete it unless an SSM parameter names it or it is among the newest N (--keep) of "
            + "its name; re-run the apply once the server is reachable\n")
        .doesNotContain("note:").hasLineCount(1);
    assertThat(devices(down)).hasSize(2).last().extracting("ebs").asInstanceOf(MAP)
        .containsEntry("snapshotID", SNAPSHOT);
  }

  /** deploy/'s example is a class the real CRD accepts, and the entry precache sets replaces the example's. */
  @Test
  void theDeployExampleIsAcceptedAndItsDataVolumeReplaced() throws IOException {
    String firstDocument = Files.readString(DEPLOY_EXAMPLE).split("\n---\n")[0];
    GenericKubernetesResource example = KUBE.client().getKubernetesSerialization()
        .unmarshal(firstDocument, GenericKubernetesResource.class);
    assertThat(example.getKind()).isEqualTo("EC2NodeClass");
    Resource<GenericKubernetesResource> deployed = KUBE.client().genericKubernetesResources(EC2_NODE_CLASS)
        .resource(example);
    deployed.fieldValidation(FieldValidateable.Validation.STRICT).create();
    List<Map<String, Object>> exampleDevices = example.get("spec", "blockDeviceMappings");

    Cli.Run run = apply(example.getMetadata().getName(), "--snapshot-id", "snap-0fedcba9876543210",
        "--volume-size", "300");

    assertThat(run.exitCode()).as("%s", run).isZero();
    List<Map<String, Object>> devices = devices(deployed);
    assertThat(devices).hasSize(2);
    assertThat(devices.get(0)).isEqualTo(exampleDevices.get(0));
    assertThat(devices.get(1).get("ebs")).asInstanceOf(MAP).containsEntry("snapshotID", "snap-0fedcba9876543210")
        .containsEntry("volumeSize", "300Gi");
  }

  /** {@code -o patch --nodeclass-file}: a merge patch the API server takes, keeping the manifest's other devices. */
  @Test
  void thePrintedMergePatchIsAcceptedAndKeepsTheOtherDevices(@TempDir Path dir) throws IOException {
    Resource<GenericKubernetesResource> patched = createClass("patched", List.of(OS_VOLUME,
        Map.of("deviceName", "/dev/xvdb", "ebs", Map.of("volumeSize", "20Gi", "volumeType", "gp3"))));
    Path manifest = dir.resolve("patched.yaml");
    Files.writeString(manifest, KUBE.client().getKubernetesSerialization().asYaml(patched.get()));

    Cli.Run run = cli.run("nodeclass", "--snapshot-id", SNAPSHOT, "--volume-size", "90", "-o", "patch",
        "--nodeclass-file", manifest.toString());
    assertThat(run.exitCode()).as("%s", run).isZero();
    patched.patch(PatchContext.of(PatchType.JSON_MERGE), run.out());

    List<Map<String, Object>> devices = devices(patched);
    assertThat(devices).hasSize(2).first().isEqualTo(OS_VOLUME);
    assertThat(devices.get(1).get("ebs")).asInstanceOf(MAP).containsEntry("snapshotID", SNAPSHOT)
        .containsEntry("volumeSize", "90Gi");
  }

  @Test
  void aClassWithoutDevicesGetsTheDataVolumeAlone() {
    Resource<GenericKubernetesResource> bare = createClass("bare", null);

    Cli.Run run = apply("bare", "--snapshot-id", SNAPSHOT);

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(devices(bare)).singleElement().satisfies(device -> {
      assertThat(device.get("deviceName")).isEqualTo("/dev/xvdb");
      assertThat(device.get("ebs")).asInstanceOf(MAP)
          .containsEntry("snapshotID", SNAPSHOT).doesNotContainKey("volumeSize");
    });
  }

  @Test
  void aSizeOverTheCrdsPatternIsRefusedByTheApiServerAndNothingChanges() {
    Resource<GenericKubernetesResource> refused = createClass("refused", List.of(OS_VOLUME));
    String before = refused.get().getMetadata().getResourceVersion();

    // 60,000 GiB is within gp3's 64 TiB, so precache lets it through; the CRD's volumeSize pattern stops at 59000Gi.
    Cli.Run run = apply("refused", "--snapshot-id", SNAPSHOT, "--volume-size", "60000");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err()).startsWith("error: the Kubernetes API server refused EC2NodeClass refused (")
        .contains("spec.blockDeviceMappings[1].ebs.volumeSize", "60000Gi")
        .contains("nothing was changed");
    assertThat(run.out()).isEmpty();
    assertThat(refused.get().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(devices(refused)).containsExactly(OS_VOLUME);
  }

  @Test
  void badInputAndAMissingClassChangeNothing() {
    Resource<GenericKubernetesResource> untouched = createClass("untouched", List.of(OS_VOLUME));
    String before = untouched.get().getMetadata().getResourceVersion();

    Cli.Run badRate = apply("untouched", "--snapshot-id", SNAPSHOT, "--volume-initialization-rate", "301");
    assertThat(badRate.exitCode()).as("%s", badRate).isEqualTo(2);
    assertThat(badRate.err()).startsWith("error: invalid --volume-initialization-rate (expected 100-300 MiB/s, got 301)");

    Cli.Run missing = apply("no-such-class", "--snapshot-id", SNAPSHOT);
    assertThat(missing.exitCode()).as("%s", missing).isEqualTo(1);
    assertThat(missing.err()).startsWith("error: no EC2NodeClass no-such-class (not found on https://127.0.0.1:");
    assertThat(KUBE.client().genericKubernetesResources(EC2_NODE_CLASS).withName("no-such-class").get()).isNull();

    Cli.Run badContext = cli.run("nodeclass", "--apply", "untouched", "--snapshot-id", SNAPSHOT,
        "--kubeconfig", KUBE.kubeconfig().toString(), "--context", "prod");
    assertThat(badContext.exitCode()).as("%s", badContext).isEqualTo(2);
    assertThat(badContext.err()).startsWith("error: invalid --context");

    assertThat(untouched.get().getMetadata().getResourceVersion()).isEqualTo(before);
  }
}

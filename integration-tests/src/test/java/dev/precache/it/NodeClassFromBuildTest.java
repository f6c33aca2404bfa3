package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.workflow.Workflow;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The entry from a build, on the real API server with the real CRD: {@code nodeclass ID --apply} and
 * {@code build --nodeclass}, the build run by a stand-in workflow on an in-process Temporal server (the build
 * itself is other tests' subject; here it is its result and request that count).
 */
class NodeClassFromBuildTest {
  @RegisterExtension
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION);

  private static final String SNAPSHOT = "snap-0aaaabbbbccccdddd";
  private static final String IMAGE = "docker.io/library/nginx:1.27";
  private static final Map<String, Object> OS_VOLUME = Map.of("deviceName", "/dev/xvda",
      "ebs", Map.of("volumeSize", "4Gi", "volumeType", "gp3", "encrypted", true));
  /** The builds started, by workflow ID (a replay runs the code again, for the same ID). */
  private static final Set<String> STARTED = ConcurrentHashMap.newKeySet();

  /** Succeeds at once: {@code -s} GiB snapshotted, {@link #USED_BYTES} used after the pulls. */
  public static class InstantBuildWorkflow implements SnapshotBuildWorkflow {
    static final long USED_BYTES = 45 * VolumeSizing.GIB;

    @Override
    public BuildResult build(BuildRequest request) {
      STARTED.add(Workflow.getInfo().getWorkflowId());
      long size = request.volumeSizeGiB() * VolumeSizing.GIB;
      return new BuildResult(SNAPSHOT, request.region(), request.volumeSizeGiB(), List.of(), List.of(), null, null,
          null, false, null, new VolumeUsage(size, USED_BYTES, size - USED_BYTES));
    }

    @Override
    public BuildProgress progress() {
      return null;
    }
  }

  /** What the CLI says of this stand-in worker, which polls the builds' queue but has no tagging workflow. */
  private static final String OLDER_WORKER = "the worker on task queue " + SnapshotBuildWorkflow.TASK_QUEUE
      + " cannot run NodeClassSnapshotWorkflow, an older precache? Unknown workflow type \"NodeClassSnapshotWorkflow\"";

  private TestWorkflowEnvironment temporal;
  private Cli cli;

  @BeforeEach
  void startTemporal() {
    temporal = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    BuildSearchAttributes.ALL.forEach(key -> temporal.registerSearchAttribute(key.getName(), key.getValueType()));
    temporal.newWorker(SnapshotBuildWorkflow.TASK_QUEUE).registerWorkflowImplementationTypes(InstantBuildWorkflow.class);
    temporal.start();
    cli = new Cli(temporal.getWorkflowClient());
    STARTED.clear();
  }

  @AfterEach
  void stopTemporal() {
    temporal.close();
  }

  private static Resource<GenericKubernetesResource> createClass(String name) {
    return createClass(KUBE, name);
  }

  /** A Bottlerocket EC2NodeClass {@code name} with only the OS volume, created on {@code kube}. */
  static Resource<GenericKubernetesResource> createClass(KubeApiServer kube, String name) {
    GenericKubernetesResource nodeClass = new GenericKubernetesResource();
    nodeClass.setApiVersion("karpenter.k8s.aws/v1");
    nodeClass.setKind("EC2NodeClass");
    nodeClass.setMetadata(new ObjectMetaBuilder().withName(name).build());
    nodeClass.setAdditionalProperty("spec", Map.of(
        "role", "KarpenterNodeRole-test",
        "amiSelectorTerms", List.of(Map.of("alias", "bottlerocket@latest")),
        "subnetSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test"))),
        "securityGroupSelectorTerms", List.of(Map.of("tags", Map.of("karpenter.sh/discovery", "test"))),
        "blockDeviceMappings", List.of(OS_VOLUME)));
    Resource<GenericKubernetesResource> resource = kube.client()
        .genericKubernetesResources(NodeClassApplyTest.EC2_NODE_CLASS).resource(nodeClass);
    resource.create();
    return resource;
  }

  private static List<Map<String, Object>> devices(Resource<GenericKubernetesResource> nodeClass) {
    return nodeClass.get().get("spec", "blockDeviceMappings");
  }

  /** The entry precache makes of this build: 45 GiB used must stay under 85 %, so 53 GiB, not the 50 snapshotted. */
  private static final Map<String, Object> BUILT_DATA_VOLUME = Map.of("deviceName", "/dev/xvdb", "ebs", Map.of(
      "snapshotID", SNAPSHOT, "volumeSize", "53Gi", "volumeType", "gp3", "throughput", 500, "iops", 6000,
      "encrypted", true, "kmsKeyID", "alias/precache", "deleteOnTermination", true));

  private static final String[] BUILD_FLAGS = {"build", "-r", "us-west-2", "-A", "amd64", "-s", "50", "-e",
      "-k", "alias/precache", "--volume-throughput", "500", "--volume-iops", "6000"};

  @Test
  void buildWithNodeclassSetsTheEntryOnceTheSnapshotIsBuilt() {
    Resource<GenericKubernetesResource> gpu = createClass("gpu-build");

    Cli.Run run = cli.run(concat(BUILD_FLAGS, "--nodeclass", "gpu-build",
        "--kubeconfig", KUBE.kubeconfig().toString(), IMAGE));

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).contains("EC2NodeClass gpu-build: /dev/xvdb from " + SNAPSHOT);
    // This stand-in worker runs no tagging workflow: the class is applied all the same, and a warning says, as soon
    // as the worker has failed the workflow's first task, why the snapshot is not tagged.
    assertThat(run.err()).contains("warning: EC2NodeClass gpu-build is set, but snapshot " + SNAPSHOT + " was not "
        + "tagged precache:nodeclass=" + KubeApiServer.CONTEXT + "/gpu-build (" + OLDER_WORKER);
    assertThat(devices(gpu)).containsExactly(OS_VOLUME, BUILT_DATA_VOLUME);
    assertThat(STARTED).hasSize(1);
  }

  @Test
  void buildWithAMissingNodeclassStartsNothing() {
    Cli.Run run = cli.run(concat(BUILD_FLAGS, "--nodeclass", "no-such-class",
        "--kubeconfig", KUBE.kubeconfig().toString(), IMAGE));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err()).startsWith("error: no EC2NodeClass no-such-class");
    assertThat(STARTED).isEmpty();
  }

  @Test
  void nodeclassApplyReadsTheFinishedBuild() {
    Resource<GenericKubernetesResource> gpu = createClass("gpu-later");
    Cli.Run build = cli.run(concat(BUILD_FLAGS, "-q", IMAGE));
    assertThat(build.exitCode()).as("%s", build).isZero();
    assertThat(build.out()).isEqualTo(SNAPSHOT + "\n");
    String workflowId = build.err().lines().filter(line -> line.startsWith("Started build ")).findFirst()
        .orElseThrow().split(" ")[2];

    Cli.Run run = cli.run("nodeclass", workflowId, "--apply", "gpu-later", "--kubeconfig",
        KUBE.kubeconfig().toString(), "--initialization-rate", "300");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).startsWith("note: volume 53 GiB, not the snapshot's 50")
        .contains("warning: EC2NodeClass gpu-later is set, but snapshot " + SNAPSHOT + " was not tagged "
            + "precache:nodeclass=" + KubeApiServer.CONTEXT + "/gpu-later (" + OLDER_WORKER);
    assertThat(devices(gpu)).hasSize(2).first().isEqualTo(OS_VOLUME);
    assertThat(devices(gpu).get(1).get("ebs")).asInstanceOf(MAP)
        .containsAllEntriesOf((Map<?, ?>) BUILT_DATA_VOLUME.get("ebs"))
        .containsEntry("volumeInitializationRate", 300);
  }

  private static String[] concat(String[] args, String... more) {
    String[] all = Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }
}
